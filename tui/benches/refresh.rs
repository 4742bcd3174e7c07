//! One dashboard refresh at the target size: 1,000 partitions and
//! 50 groups (20 partitions each). A refresh is what the event loop does
//! when the poller delivers: `update(Snapshot)` (ingest into the windows,
//! evaluate, record history) and a full draw. Target: under 50 ms CPU.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use kctl_tui::action::{Action, Screen};
use kctl_tui::app::App;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::fixture::{self, STEP_MS, Size};
use kctl_tui::ui;

const SIZE: Size = Size {
    topics: 50,
    partitions_per_topic: 20,
    groups: 50,
    partitions_per_group: 20,
};

/// Windows already full, as after a few minutes of running.
const WARM_STEPS: usize = 12;

fn warmed_app(screen: Screen) -> App {
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64);
    for step in 0..WARM_STEPS {
        app.update(Action::Snapshot(Box::new(fixture::synthetic(SIZE, step))));
    }
    app.update(Action::Show(screen));
    app
}

fn refresh(c: &mut Criterion) {
    let next = fixture::synthetic(SIZE, WARM_STEPS);
    for (name, screen) in [
        ("overview", Screen::Overview),
        ("groups", Screen::Groups),
        ("topics", Screen::Topics),
    ] {
        let app = warmed_app(screen);
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
        c.bench_function(&format!("refresh_1000p_50g_{name}_160x48"), |b| {
            b.iter_batched(
                || (app.clone(), Box::new(next.clone())),
                |(mut app, snapshot)| {
                    app.update(Action::Snapshot(snapshot));
                    terminal.draw(|frame| ui::draw(frame, &app)).expect("draw");
                    app
                },
                BatchSize::LargeInput,
            );
        });
    }
}

criterion_group!(benches, refresh);
criterion_main!(benches);
