//! The Messages screen while scrolling through a full buffer of 100,000
//! records: one frame is one key (`j`, or a page with `C-d`) folded into
//! the state plus a full draw at 160x48. Target: under 16 ms a frame
//! (60 frames a second).

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use kctl_tui::action::{Action, Screen};
use kctl_tui::app::App;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::fixture::{self, STEP_MS};
use kctl_tui::messages::{ReaderPhase, ReaderUpdate};
use kctl_tui::ui;

const RECORDS: usize = 100_000;
const PARTITIONS: i32 = 6;

/// The fixture's `orders` records (JSON values of about 100 bytes, some
/// text and binary), as the reader would send them, in batches of 1,000.
fn loaded_app() -> App {
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64).with_buffer_records(RECORDS);
    app.update(Action::Snapshot(Box::new(fixture::scenario(0))));
    app.update(Action::Show(Screen::Messages));
    // The scenario's topics are sorted by name; `orders` is the third.
    let orders = app
        .message_topic_rows()
        .iter()
        .position(|t| t.name == "orders")
        .expect("orders in the scenario");
    for _ in 0..orders {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    for batch in fixture::records(RECORDS, PARTITIONS).chunks(1_000) {
        app.update(Action::Browsed(Box::new(ReaderUpdate {
            session: 1,
            records: batch.to_vec(),
            scanned: batch.len() as u64,
            phase: ReaderPhase::Reading,
        })));
    }
    assert_eq!(app.browser().buffer().len(), RECORDS, "the buffer is full");
    app
}

fn scrolling(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    for (name, key) in [("line", Action::Down), ("page", Action::PageDown)] {
        let mut app = loaded_app();
        c.bench_function(&format!("messages_100k_scroll_{name}_160x48"), |b| {
            b.iter(|| {
                if app.selected(kctl_tui::app::TableKind::Messages) + 100 >= RECORDS {
                    app.update(Action::Top);
                }
                app.update(key.clone());
                terminal.draw(|frame| ui::draw(frame, &app)).expect("draw");
            });
        });
    }
}

criterion_group!(benches, scrolling);
criterion_main!(benches);
