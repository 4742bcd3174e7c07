//! Every screen rendered through `TestBackend` from the fixed scenario, at
//! the smallest supported size and a large one. Text snapshots carry no
//! styles, so the colours that carry meaning are asserted on the buffer.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::action::{Action, Command, Screen};
use crate::app::App;
use crate::evaluation::EvalConfig;
use crate::fixture::{self, SCENARIO_STEPS, STEP_MS};
use crate::messages::{ReaderPhase, ReaderUpdate};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn loaded() -> App {
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64);
    for step in 0..SCENARIO_STEPS {
        app.update(Action::Snapshot(Box::new(fixture::scenario(step))));
    }
    let last = fixture::scenario(SCENARIO_STEPS - 1).captured_at_ms;
    app.update(Action::Tick {
        now_ms: last + 2_000,
    });
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|frame| draw(frame, app)).expect("draw");
    terminal.backend().to_string()
}

fn snapshot_all_sizes(name: &str, app: &App) -> Vec<String> {
    SIZES
        .iter()
        .map(|&(w, h)| {
            let screen = render(app, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            screen
        })
        .collect()
}

fn with(actions: impl IntoIterator<Item = Action>) -> App {
    let mut app = loaded();
    for action in actions {
        app.update(action);
    }
    app
}

#[test]
fn overview() {
    let screens = snapshot_all_sizes("overview", &loaded());
    assert!(screens[0].contains("Worst groups by lag"));
    assert!(screens[0].contains("● CRIT"));
    assert!(
        !screens[0].contains(" Why "),
        "reasons only fit on wide terminals"
    );
    assert!(screens[1].contains(" Why "));
    assert!(screens[1].contains("partition offline (no leader)"));
}

#[test]
fn groups() {
    let screens = snapshot_all_sizes("groups", &with([Action::Show(Screen::Groups)]));
    assert!(
        screens[0].contains("no commit"),
        "fresh has no commit, not a lag number"
    );
}

#[test]
fn group_drill_in() {
    let app = with([
        Action::Show(Screen::Groups),
        Action::SortNext,
        Action::Down,
        Action::Open,
    ]);
    assert_eq!(
        app.current_group().map(|g| g.group_id.as_str()),
        Some("audit")
    );
    let screens = snapshot_all_sizes("group_audit", &app);
    assert!(screens[0].contains("STOP"));
}

#[test]
fn group_drill_in_with_estimates_of_every_kind() {
    // replay: a lower bound on one partition, an exact age on the other.
    let app = with([
        Action::Show(Screen::Groups),
        Action::SortNext,
        Action::Bottom,
        Action::Open,
    ]);
    assert_eq!(
        app.current_group().map(|g| g.group_id.as_str()),
        Some("replay")
    );
    let screens = snapshot_all_sizes("group_replay", &app);
    assert!(screens[0].contains('≥') && screens[0].contains('='));
}

#[test]
fn group_drill_in_without_commits() {
    let mut app = with([Action::Show(Screen::Groups), Action::SortNext]);
    let fresh = app
        .group_rows()
        .iter()
        .position(|g| g.group_id == "fresh")
        .expect("fresh");
    for _ in 0..fresh {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    let screens = snapshot_all_sizes("group_fresh", &app);
    assert!(screens[0].contains("no commit"));
}

/// The scenario with a share group `workers` (three members on orders-0)
/// whose lag falls as its members work; `with_statistics` adds
/// broker-lite's in-flight, archived and redelivery figures.
fn with_share_group(with_statistics: bool) -> App {
    use crate::model::{Group, GroupOffset, GroupState, Member, ShareStatistics, TopicPartition};
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64);
    for step in 0..SCENARIO_STEPS {
        let mut snapshot = fixture::scenario(step);
        let log_end = snapshot
            .topics
            .iter()
            .find(|t| t.name == "orders")
            .and_then(|t| t.partitions[0].log_end_offset)
            .expect("orders-0 has a log end");
        let backlog = 4_000 - 450 * step as i64;
        snapshot.groups.push(Group {
            group_id: "workers".into(),
            state: GroupState::Stable,
            group_type: "share".into(),
            protocol: "simple".into(),
            members: (1..=3)
                .map(|i| Member {
                    member_id: format!("member-{i}"),
                    client_id: format!("worker-{i}"),
                    host: "/10.0.0.7".into(),
                    assignment: vec![TopicPartition::new("orders", 0)],
                })
                .collect(),
            offsets: vec![GroupOffset {
                topic: "orders".into(),
                partition: 0,
                committed_offset: Some(log_end - backlog),
                commit_timestamp_ms: None,
                committed_record_timestamp_ms: None,
                share: with_statistics.then(|| ShareStatistics {
                    // Three workers hold up to 100 each while the backlog
                    // falls; one rejects 5 records a round, and ever more
                    // come back for another delivery.
                    in_flight: 100 + 50 * (step as u64 % 5),
                    archived_total: 5 * step as u64,
                    redeliveries_total: 2 * (step as u64).pow(2),
                }),
            }],
        });
        app.update(Action::Snapshot(Box::new(snapshot)));
    }
    app
}

fn open_workers(app: &mut App) {
    app.update(Action::Show(Screen::Groups));
    let workers = app
        .group_rows()
        .iter()
        .position(|g| g.group_id == "workers")
        .expect("workers is listed");
    for _ in 0..workers {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    assert_eq!(
        app.current_group().map(|g| g.group_id.as_str()),
        Some("workers")
    );
}

/// A share group (three members on one partition) among the consumer
/// groups: listed with type `share`, its lag falling as its members work,
/// and in its detail the delivery panel with in-flight, redelivery rate and
/// archived count, each with its trend.
#[test]
fn share_group_beside_consumer_groups() {
    let mut app = with_share_group(true);
    app.update(Action::Show(Screen::Groups));
    let screens = snapshot_all_sizes("groups_with_share", &app);
    assert!(screens[1].contains("workers") && screens[1].contains("share"));
    open_workers(&mut app);
    let screens = snapshot_all_sizes("group_share_workers", &app);
    assert!(screens[1].contains("Lag = share lag"));
    assert!(screens[0].contains("In-flight") && screens[0].contains("Archived"));
}

/// On Apache Kafka (no statistics) the delivery panel keeps the backlog and
/// its trend, and says the other figures are not reported: `-`, no trend.
#[test]
fn share_group_without_statistics_shows_dashes() {
    let mut app = with_share_group(false);
    open_workers(&mut app);
    let screen = render(&app, 160, 48);
    assert!(
        screen.contains("no in-flight or archived figures from this broker"),
        "{screen}"
    );
    let all = screen
        .lines()
        .find(|l| l.starts_with("\"│all "))
        .unwrap_or_else(|| panic!("no group row:\n{screen}"));
    let cells: Vec<&str> = all.trim_matches(['"', '│']).split_whitespace().collect();
    // all, backlog, its trend, then in-flight, redeliveries/s and archived.
    assert_eq!(cells.len(), 6, "{all}");
    assert_eq!(cells[1], "850");
    assert_eq!(cells[3..], ["-", "-", "-"], "{all}");
}

#[test]
fn topics() {
    snapshot_all_sizes("topics", &with([Action::Show(Screen::Topics)]));
}

#[test]
fn topic_drill_in() {
    // The default sort puts the worst topic, payments, first.
    let app = with([Action::Show(Screen::Topics), Action::Open]);
    assert_eq!(
        app.current_topic().map(|t| t.name.as_str()),
        Some("payments")
    );
    let screens = snapshot_all_sizes("topic_payments", &app);
    assert!(
        screens[0].contains("none"),
        "leaderless partition shows no leader"
    );
    assert!(screens[0].contains('✗'), "missing ISR replicas are marked");
}

#[test]
fn brokers() {
    let screens = snapshot_all_sizes("brokers", &with([Action::Show(Screen::Brokers)]));
    assert!(screens[0].contains("(not in metadata)"));
}

#[test]
fn help_overlay() {
    let screens = snapshot_all_sizes("help", &with([Action::ToggleHelp]));
    for row in crate::keymap::help_rows() {
        assert!(
            screens[1].contains(row.description),
            "{} missing from help",
            row.description
        );
    }
}

#[test]
fn filter_frozen_and_error_in_status_line() {
    let mut app = with([
        Action::Show(Screen::Groups),
        Action::ToggleFreeze,
        Action::StartFilter,
        Action::FilterChar('a'),
    ]);
    app.update(Action::Snapshot(Box::new(fixture::scenario(
        SCENARIO_STEPS,
    ))));
    let at_ms = fixture::scenario(SCENARIO_STEPS).captured_at_ms + 1;
    app.update(Action::PollFailed {
        at_ms,
        error: "connection refused: kafka-1.kctl.test:9092".into(),
    });
    let screens = snapshot_all_sizes("status_line", &app);
    assert!(screens[1].contains("FROZEN (1 held)"));
    assert!(screens[1].contains("connection refused"));
    assert!(screens[1].contains("/a▏"));
}

#[test]
fn waiting_for_first_snapshot() {
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64);
    app.update(Action::PollFailed {
        at_ms: 0,
        error: "no route to host".into(),
    });
    let screens = snapshot_all_sizes("waiting", &app);
    assert!(screens[0].contains("Waiting for the first snapshot"));
}

#[test]
fn resize_and_tiny_terminals_do_not_panic() {
    let app = with([Action::Show(Screen::Groups), Action::Open]);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    for (w, h) in [(80, 24), (160, 48), (20, 5), (1, 1), (0, 0), (80, 24)] {
        terminal.backend_mut().resize(w, h);
        terminal
            .resize(ratatui::layout::Rect::new(0, 0, w, h))
            .expect("resize");
        terminal.draw(|frame| draw(frame, &app)).expect("draw");
        assert_eq!(terminal.backend().buffer().area.width, w);
    }
    let help = with([Action::ToggleHelp]);
    for (w, h) in [(10, 4), (3, 2)] {
        render(&help, w, h);
    }
}

fn buffer_of(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|frame| draw(frame, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The style of the first digit after `label` on its row.
fn counter_style(buffer: &ratatui::buffer::Buffer, label: &str) -> ratatui::style::Style {
    let area = buffer.area;
    for y in 0..area.height {
        let row: String = (0..area.width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        if let Some(start) = row.find(label) {
            let start = row[..start].chars().count() + label.chars().count();
            let x = (start as u16..area.width)
                .find(|&x| {
                    buffer[(x, y)].symbol().chars().all(|c| c.is_ascii_digit())
                        && buffer[(x, y)].symbol() != " "
                })
                .expect("a count after the label");
            return buffer[(x, y)].style();
        }
    }
    panic!("{label} not on screen");
}

#[test]
fn health_counters_are_coloured_only_when_non_zero() {
    use ratatui::style::Color;
    let troubled = buffer_of(&loaded(), 80, 24);
    assert_eq!(
        counter_style(&troubled, "Offline (no leader)").fg,
        Some(Color::Red)
    );
    assert_eq!(
        counter_style(&troubled, "Under-replicated").fg,
        Some(Color::Yellow)
    );

    let mut healthy = fixture::scenario(0);
    for p in healthy
        .topics
        .iter_mut()
        .flat_map(|t| t.partitions.iter_mut())
    {
        p.leader = Some(p.replicas[0].min(3));
        p.replicas.iter_mut().for_each(|r| *r = (*r).min(3));
        p.isr = p.replicas.clone();
        p.offline_replicas.clear();
    }
    let mut app = App::new(EvalConfig::default(), STEP_MS as u64);
    app.update(Action::Snapshot(Box::new(healthy)));
    let calm = buffer_of(&app, 80, 24);
    assert_eq!(
        counter_style(&calm, "Offline (no leader)").fg,
        Some(Color::DarkGray)
    );
    assert_eq!(
        counter_style(&calm, "Under-replicated").fg,
        Some(Color::DarkGray)
    );
}

#[test]
fn selected_row_is_highlighted() {
    use ratatui::style::Modifier;
    let app = with([Action::Show(Screen::Brokers), Action::Down]);
    let buffer = buffer_of(&app, 80, 24);
    // Row 0 tabs, 1 border, 2 header, 3 broker 1, 4 broker 2 (selected).
    assert!(
        buffer[(2, 4)]
            .style()
            .add_modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        !buffer[(2, 3)]
            .style()
            .add_modifier
            .contains(Modifier::REVERSED)
    );
}

/// The Messages screen on `orders` with `count` records from the reader.
fn browsing(count: usize) -> App {
    let mut app = with([Action::Show(Screen::Messages)]);
    let orders = app
        .message_topic_rows()
        .iter()
        .position(|t| t.name == "orders")
        .expect("orders in the scenario");
    for _ in 0..orders {
        app.update(Action::Down);
    }
    let command = app.update(Action::Open);
    assert!(matches!(command, Some(Command::Browse(_))), "{command:?}");
    app.update(Action::Browsed(Box::new(ReaderUpdate {
        session: 1,
        records: fixture::records(count, 6),
        scanned: count as u64,
        phase: ReaderPhase::CaughtUp,
    })));
    app
}

#[test]
fn messages_topic_picker() {
    let screens = snapshot_all_sizes("messages_topics", &with([Action::Show(Screen::Messages)]));
    assert!(screens[0].contains("Messages: pick a topic (5)"));
    assert!(screens[0].contains("5 Messages"));
}

#[test]
fn messages_list_newest_first() {
    let app = browsing(60);
    let screens = snapshot_all_sizes("messages_list", &app);
    // The newest record (the 60th: partition 5, offset 9) is on top.
    let first_row = screens[0].lines().nth(3).expect("a row");
    let cells: Vec<&str> = first_row
        .trim_matches(['"', '│'])
        .split_whitespace()
        .collect();
    assert_eq!(cells[..2], ["5", "9"], "{first_row}");
    assert!(screens[0].contains("60/10000 records"));
    assert!(screens[0].contains("at the end"));
    assert!(
        screens[1].contains("2023-11-14 22:13:20.059"),
        "full time when wide"
    );
}

#[test]
fn record_view_pretty_prints_json() {
    // Row 2 is the 58th record (i = 57): a JSON order.
    let app = {
        let mut app = browsing(60);
        app.update(Action::Down);
        app.update(Action::Down);
        app.update(Action::Open);
        app
    };
    let screens = snapshot_all_sizes("record_json", &app);
    assert!(screens[0].contains("Value (json, "), "{}", screens[0]);
    assert!(screens[0].contains(r#"    "order_id": 57,"#));
    assert!(screens[0].contains("trace-id: "));
}

#[test]
fn record_view_dumps_binary_as_hex() {
    // Row 4 is the 56th record (i = 55): every 7th value is binary.
    let mut app = browsing(60);
    for _ in 0..4 {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Value (binary, 7 B)"), "{screen}");
    assert!(
        screen.contains("00000000  00 01 fe ff 4b 63 37"),
        "{screen}"
    );
    assert!(screen.contains("Key (utf-8, "), "{screen}");
}

#[test]
fn start_prompt_shows_in_the_status_line() {
    let mut app = browsing(10);
    for action in [
        Action::StartSeek,
        Action::FilterChar('1'),
        Action::FilterChar('5'),
    ] {
        app.update(action);
    }
    let screen = render(&app, 80, 24);
    assert!(screen.contains("from: 15▏"), "{screen}");
}

#[test]
fn group_drill_in_lists_members_with_their_partitions_and_lag() {
    let mut app = with([Action::Show(Screen::Groups), Action::SortNext]);
    // Sorted by name, analytics (3 members, 10 partitions) is first.
    app.update(Action::Open);
    let group = app.current_group().expect("a group").clone();
    assert_eq!(group.group_id, "analytics");
    let screens = snapshot_all_sizes("group_analytics", &app);
    assert!(screens[0].contains("Members (3)"), "{}", screens[0]);
    for member in &group.member_assignments {
        let line = screens[1]
            .lines()
            .find(|l| l.contains(&format!("│{} ", member.client_id)))
            .unwrap_or_else(|| panic!("{} listed", member.client_id));
        let lag = member
            .lag
            .map(crate::ui::format::compact)
            .expect("committed");
        assert!(line.contains(&lag), "{line} shows {lag}");
        assert!(line.contains(&member.member_id), "{line}");
    }
    // At 160 columns the Partition column is as wide as its names, not half
    // the screen: the Member column starts right after "events-0".
    let header = screens[1]
        .lines()
        .find(|l| l.contains("Partition▲"))
        .expect("header");
    let member_at = header.find("Member").expect("Member column");
    assert!(member_at < 20, "{header}");
}
