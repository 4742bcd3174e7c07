//! The Messages screen's state: which topic, partition and start the
//! reader was asked for, the records it sent, the open record, and the
//! prompts that change them. Like the rest of [`App`], it does no I/O:
//! starting or stopping the reader is a [`Command`] for the event loop.

use kctl_client::filter::RecordFilter;

use super::{App, TableKind, View};
use crate::action::{Action, Command};
use crate::evaluation::TopicEval;
use crate::messages::payload::{self, PayloadKind};
use crate::messages::{
    BrowseRequest, BrowsedRecord, MessageBuffer, Order, ReaderPhase, ReaderUpdate, StartAt,
};

/// What a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Where to start reading (`o`).
    StartAt,
    /// A `kctl consume --filter` expression (`/` on the records).
    RecordFilter,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::StartAt => "from",
            Self::RecordFilter => "filter",
        }
    }
}

/// A line of text being typed in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

/// How a line of the record view is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailStyle {
    Heading,
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub style: DetailStyle,
    pub text: String,
}

/// The open record, laid out once when it is opened (pretty-printing a
/// large JSON value on every frame would cost more than drawing it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDetail {
    pub partition: i32,
    pub offset: i64,
    pub lines: Vec<DetailLine>,
}

/// The reader's side of the Messages screen.
#[derive(Debug, Clone)]
pub struct Browser {
    topic: String,
    partition: Option<i32>,
    start: StartAt,
    tail: bool,
    filter: Option<String>,
    /// Numbers reader sessions; updates of older ones are dropped.
    session: u64,
    buffer: MessageBuffer,
    /// `None` while no session runs.
    phase: Option<ReaderPhase>,
    scanned: u64,
    /// Why the last prompt was not taken.
    error: Option<String>,
    record: Option<RecordDetail>,
}

impl Browser {
    pub fn new(capacity: usize) -> Self {
        Self {
            topic: String::new(),
            partition: None,
            start: StartAt::Newest,
            tail: false,
            filter: None,
            session: 0,
            buffer: MessageBuffer::new(capacity, Order::Time),
            phase: None,
            scanned: 0,
            error: None,
            record: None,
        }
    }

    /// A new session for the current settings, with an empty buffer.
    fn restart(&mut self) -> Command {
        self.session += 1;
        let order = if self.partition.is_some() {
            Order::Offset
        } else {
            Order::Time
        };
        self.buffer = MessageBuffer::new(self.buffer.capacity(), order);
        self.phase = Some(ReaderPhase::Starting);
        self.scanned = 0;
        Command::Browse(Box::new(BrowseRequest {
            session: self.session,
            topic: self.topic.clone(),
            partition: self.partition,
            start: self.start,
            limit: self.buffer.capacity(),
            filter: self.filter.clone(),
            tail: self.tail,
        }))
    }

    /// Ends the session in flight, if any.
    pub(super) fn stop(&mut self) -> Option<Command> {
        self.tail = false;
        match self.phase {
            Some(ReaderPhase::Starting | ReaderPhase::Reading | ReaderPhase::Tailing) => {
                self.phase = None;
                Some(Command::StopBrowse)
            }
            _ => None,
        }
    }

    pub(super) fn open(&mut self, record: &BrowsedRecord) {
        self.record = Some(detail(record));
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn partition(&self) -> Option<i32> {
        self.partition
    }

    pub fn start(&self) -> StartAt {
        self.start
    }

    pub fn tail(&self) -> bool {
        self.tail
    }

    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    pub fn buffer(&self) -> &MessageBuffer {
        &self.buffer
    }

    pub fn phase(&self) -> Option<&ReaderPhase> {
        self.phase.as_ref()
    }

    /// Records read in this session, matched by the filter or not.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn record(&self) -> Option<&RecordDetail> {
        self.record.as_ref()
    }
}

impl App {
    pub fn browser(&self) -> &Browser {
        &self.browser
    }

    /// Topics to pick from, by name, filtered like the topics table.
    pub fn message_topic_rows(&self) -> Vec<&TopicEval> {
        let needle = self.needle();
        let mut rows: Vec<&TopicEval> = self
            .evaluation
            .iter()
            .flat_map(|e| &e.topics)
            .filter(|t| super::table::matches(&t.name, &needle))
            .collect();
        rows.sort_by(|a, b| a.internal.cmp(&b.internal).then(a.name.cmp(&b.name)));
        rows
    }

    /// Shows `topic`'s records and starts reading them, newest first.
    pub(super) fn open_records(
        &mut self,
        topic: String,
        partition: Option<i32>,
    ) -> Option<Command> {
        self.push_view(View::MessageList(topic.clone()));
        let browser = &mut self.browser;
        browser.topic = topic;
        browser.partition = partition;
        browser.start = StartAt::Newest;
        browser.tail = false;
        browser.error = None;
        Some(browser.restart())
    }

    pub(super) fn on_browsed(&mut self, update: ReaderUpdate) {
        let selected = self.selected(TableKind::Messages);
        let browser = &mut self.browser;
        if update.session != browser.session || browser.phase.is_none() {
            return;
        }
        browser.scanned += update.scanned;
        browser.phase = Some(update.phase);
        if update.records.is_empty() {
            return;
        }
        // Keep the selected record selected as newer ones arrive above it;
        // at the top, the selection follows the newest record.
        let anchor = (selected > 0)
            .then(|| browser.buffer.newest_first(selected).cloned())
            .flatten();
        browser.buffer.extend(update.records);
        if let Some(anchor) = anchor {
            let row = browser.buffer.newest_first_row(&anchor).unwrap_or(selected);
            self.selected.insert(TableKind::Messages, row);
        }
    }

    pub(super) fn next_partition(&mut self) -> Option<Command> {
        if !matches!(self.view, View::MessageList(_)) {
            return None;
        }
        let count = self
            .evaluation
            .iter()
            .flat_map(|e| &e.topics)
            .find(|t| t.name == self.browser.topic)
            .map_or(0, |t| t.partitions.len());
        let count = i32::try_from(count).unwrap_or(i32::MAX);
        self.browser.partition = match self.browser.partition {
            None if count > 0 => Some(0),
            Some(p) if p + 1 < count => Some(p + 1),
            _ => None,
        };
        self.selected.insert(TableKind::Messages, 0);
        Some(self.browser.restart())
    }

    /// Live tail on: read from the newest records and follow. Off: stop
    /// reading and keep what is on screen.
    pub(super) fn toggle_tail(&mut self) -> Option<Command> {
        if !matches!(self.view, View::MessageList(_)) {
            return None;
        }
        if self.browser.tail {
            return self.browser.stop();
        }
        self.browser.tail = true;
        self.browser.start = StartAt::Newest;
        self.selected.insert(TableKind::Messages, 0);
        Some(self.browser.restart())
    }

    pub(super) fn start_prompt(&mut self, kind: PromptKind) {
        if !matches!(self.view, View::MessageList(_)) {
            return;
        }
        let text = match kind {
            PromptKind::StartAt => String::new(),
            PromptKind::RecordFilter => self.browser.filter.clone().unwrap_or_default(),
        };
        self.prompt = Some(Prompt { kind, text });
    }

    pub(super) fn update_prompt(&mut self, action: Action) -> Option<Command> {
        let prompt = self.prompt.as_mut()?;
        match action {
            Action::FilterChar(c) => prompt.text.push(c),
            Action::FilterBackspace => {
                prompt.text.pop();
            }
            Action::FilterCancel => self.prompt = None,
            Action::FilterApply => {
                let Prompt { kind, text } = self.prompt.take()?;
                return self.apply_prompt(kind, &text);
            }
            _ => {}
        }
        None
    }

    fn apply_prompt(&mut self, kind: PromptKind, text: &str) -> Option<Command> {
        match kind {
            PromptKind::StartAt => match StartAt::parse(text, self.now_ms.unwrap_or(0)) {
                Ok(start) => {
                    self.browser.start = start;
                    self.browser.tail = false;
                }
                Err(error) => {
                    self.browser.error = Some(error);
                    return None;
                }
            },
            PromptKind::RecordFilter => {
                let text = text.trim();
                if text.is_empty() {
                    self.browser.filter = None;
                } else if let Err(error) = RecordFilter::parse(text) {
                    self.browser.error = Some(format!("filter: {error}"));
                    return None;
                } else {
                    self.browser.filter = Some(text.to_owned());
                }
            }
        }
        self.browser.error = None;
        self.selected.insert(TableKind::Messages, 0);
        Some(self.browser.restart())
    }
}

/// The record view's lines: where the record is, then key, headers and
/// value, each under a heading that says how its bytes were read.
fn detail(record: &BrowsedRecord) -> RecordDetail {
    let heading = |text: String| DetailLine {
        style: DetailStyle::Heading,
        text,
    };
    let body = |text: String| DetailLine {
        style: DetailStyle::Body,
        text: format!("  {text}"),
    };
    let section = |name: &str, bytes: Option<&[u8]>, lines: &mut Vec<DetailLine>| {
        let kind = payload::kind(bytes);
        let size = match (kind, bytes) {
            (PayloadKind::Null, _) | (_, None) => String::new(),
            (_, Some(b)) => format!(", {} B", b.len()),
        };
        lines.push(heading(format!("{name} ({}{size})", kind.label())));
        lines.extend(payload::lines(bytes).into_iter().map(body));
    };
    let mut lines = vec![heading(format!(
        "Partition {} · offset {} · {}",
        record.partition,
        record.offset,
        timestamp(record.timestamp_ms)
    ))];
    section("Key", record.key.as_deref(), &mut lines);
    lines.push(heading(format!("Headers ({})", record.headers.len())));
    for (key, value) in &record.headers {
        let value = match value {
            None => "(null)".to_owned(),
            Some(v) => payload::preview(Some(v), 200),
        };
        lines.push(body(format!(
            "{}: {value}",
            payload::preview(Some(key), 100)
        )));
    }
    section("Value", record.value.as_deref(), &mut lines);
    RecordDetail {
        partition: record.partition,
        offset: record.offset,
        lines,
    }
}

/// A record time in UTC with milliseconds; negative (no timestamp, from
/// old message formats) is shown as such.
pub fn timestamp(ms: i64) -> String {
    if ms < 0 {
        return "no timestamp".to_owned();
    }
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| format!("@{ms}"),
        |t| t.strftime("%Y-%m-%d %H:%M:%S%.3fZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Screen;
    use crate::evaluation::EvalConfig;
    use crate::fixture;

    fn browse_request(command: Option<Command>) -> BrowseRequest {
        match command {
            Some(Command::Browse(request)) => *request,
            other => panic!("expected a browse command, got {other:?}"),
        }
    }

    /// On the records of `orders` (6 partitions), reader session 1 started.
    fn on_orders() -> (App, BrowseRequest) {
        let mut app = App::new(EvalConfig::default(), 10_000).with_buffer_records(100);
        app.update(Action::Snapshot(Box::new(fixture::scenario(0))));
        app.update(Action::Tick {
            now_ms: fixture::EPOCH_MS,
        });
        app.update(Action::Show(Screen::Messages));
        while app
            .message_topic_rows()
            .get(app.selected(TableKind::MessageTopics))
            .is_some_and(|t| t.name != "orders")
        {
            app.update(Action::Down);
        }
        let request = browse_request(app.update(Action::Open));
        (app, request)
    }

    fn deliver(app: &mut App, session: u64, records: Vec<BrowsedRecord>, phase: ReaderPhase) {
        let scanned = records.len() as u64;
        app.update(Action::Browsed(Box::new(ReaderUpdate {
            session,
            records,
            scanned,
            phase,
        })));
    }

    #[test]
    fn opening_a_topic_reads_its_newest_records() {
        let (app, request) = on_orders();
        assert_eq!(app.view(), &View::MessageList("orders".into()));
        assert_eq!(
            request,
            BrowseRequest {
                session: 1,
                topic: "orders".into(),
                partition: None,
                start: StartAt::Newest,
                limit: 100,
                filter: None,
                tail: false,
            }
        );
        assert_eq!(app.browser().phase(), Some(&ReaderPhase::Starting));
    }

    #[test]
    fn a_partition_of_a_topic_drill_in_opens_its_records() {
        let mut app = App::new(EvalConfig::default(), 10_000);
        app.update(Action::Snapshot(Box::new(fixture::scenario(0))));
        app.update(Action::Show(Screen::Topics));
        app.update(Action::Open);
        let View::Topic(topic) = app.view().clone() else {
            panic!("in a topic: {:?}", app.view());
        };
        app.update(Action::Down);
        let partition = app.topic_partition_rows()[1].partition;
        let request = browse_request(app.update(Action::Open));
        assert_eq!(
            (request.topic.as_str(), request.partition),
            (topic.as_str(), Some(partition))
        );
        assert_eq!(app.view(), &View::MessageList(topic.clone()));
        app.update(Action::Back);
        assert_eq!(app.view(), &View::Topic(topic), "back where it came from");
    }

    #[test]
    fn records_of_an_older_session_are_dropped() {
        let (mut app, _) = on_orders();
        let request = browse_request(app.update(Action::NextPartition));
        assert_eq!((request.session, request.partition), (2, Some(0)));
        deliver(&mut app, 1, fixture::records(5, 6), ReaderPhase::CaughtUp);
        assert!(app.browser().buffer().is_empty());
        deliver(&mut app, 2, fixture::records(5, 1), ReaderPhase::CaughtUp);
        assert_eq!(app.browser().buffer().len(), 5);
        assert_eq!(app.browser().phase(), Some(&ReaderPhase::CaughtUp));
        assert_eq!(app.browser().scanned(), 5);
    }

    #[test]
    fn the_selected_record_stays_selected_as_newer_ones_arrive() {
        let (mut app, _) = on_orders();
        let records = fixture::records(20, 6);
        deliver(&mut app, 1, records[..10].to_vec(), ReaderPhase::Tailing);
        app.update(Action::Down);
        app.update(Action::Down);
        let chosen = app.browser().buffer().newest_first(2).cloned();
        deliver(&mut app, 1, records[10..].to_vec(), ReaderPhase::Tailing);
        assert_eq!(app.selected(TableKind::Messages), 12);
        assert_eq!(app.browser().buffer().newest_first(12).cloned(), chosen);
        // At the top, the selection follows the newest record.
        app.update(Action::Top);
        deliver(
            &mut app,
            1,
            fixture::records(25, 6)[20..].to_vec(),
            ReaderPhase::Tailing,
        );
        assert_eq!(app.selected(TableKind::Messages), 0);
        assert_eq!(
            app.browser()
                .buffer()
                .newest_first(0)
                .map(|r| r.timestamp_ms),
            Some(fixture::EPOCH_MS + 24)
        );
    }

    #[test]
    fn partitions_cycle_through_all_and_back() {
        let (mut app, _) = on_orders();
        let mut seen = Vec::new();
        for _ in 0..7 {
            seen.push(browse_request(app.update(Action::NextPartition)).partition);
        }
        assert_eq!(
            seen,
            vec![Some(0), Some(1), Some(2), Some(3), Some(4), Some(5), None]
        );
    }

    #[test]
    fn tail_reads_from_the_newest_and_stops_when_turned_off() {
        let (mut app, _) = on_orders();
        let request = browse_request(app.update(Action::ToggleTail));
        assert!(request.tail);
        assert_eq!(request.start, StartAt::Newest);
        deliver(&mut app, request.session, Vec::new(), ReaderPhase::Tailing);
        assert_eq!(app.update(Action::ToggleTail), Some(Command::StopBrowse));
        assert!(!app.browser().tail());
        assert_eq!(app.browser().phase(), None);
        assert_eq!(
            app.update(Action::ToggleTail)
                .map(|c| browse_request(Some(c)).tail),
            Some(true)
        );
    }

    #[test]
    fn leaving_the_records_stops_the_reader() {
        let (mut app, _) = on_orders();
        deliver(&mut app, 1, fixture::records(3, 6), ReaderPhase::Reading);
        // The record view still belongs to the session.
        assert_eq!(app.update(Action::Open), None);
        assert_eq!(app.view(), &View::Record("orders".into()));
        assert_eq!(app.update(Action::Back), None);
        assert_eq!(app.update(Action::Back), Some(Command::StopBrowse));
        assert_eq!(app.view(), &View::Messages);
        assert_eq!(app.browser().buffer().len(), 3, "what was read stays");
        // Already stopped: nothing more to ask.
        app.update(Action::Open);
        assert_eq!(
            app.update(Action::Show(Screen::Groups)),
            Some(Command::StopBrowse)
        );
        assert_eq!(app.update(Action::Show(Screen::Topics)), None);
    }

    #[test]
    fn start_prompt_restarts_or_explains() {
        let (mut app, _) = on_orders();
        app.update(Action::StartSeek);
        assert_eq!(app.input_mode(), crate::keymap::Mode::Filter);
        for c in "-50".chars() {
            app.update(Action::FilterChar(c));
        }
        let request = browse_request(app.update(Action::FilterApply));
        assert_eq!(request.start, StartAt::FromEnd(50));
        assert_eq!(app.input_mode(), crate::keymap::Mode::Normal);

        app.update(Action::StartSeek);
        for c in "soon".chars() {
            app.update(Action::FilterChar(c));
        }
        assert_eq!(app.update(Action::FilterApply), None);
        assert!(app.browser().error().is_some_and(|e| e.contains("'soon'")));
        assert_eq!(app.browser().start(), StartAt::FromEnd(50), "unchanged");

        app.update(Action::StartSeek);
        app.update(Action::FilterChar('x'));
        assert_eq!(app.update(Action::FilterCancel), None);
        assert_eq!(app.input_mode(), crate::keymap::Mode::Normal);
    }

    #[test]
    fn filter_prompt_checks_the_expression_before_reading() {
        let (mut app, _) = on_orders();
        let type_in = |app: &mut App, text: &str| {
            app.update(Action::StartFilter);
            for c in text.chars() {
                app.update(Action::FilterChar(c));
            }
            app.update(Action::FilterApply)
        };
        let request = browse_request(type_in(&mut app, "jq:.order_id > 3"));
        assert_eq!(request.filter.as_deref(), Some("jq:.order_id > 3"));
        assert_eq!(app.browser().filter(), Some("jq:.order_id > 3"));

        assert_eq!(type_in(&mut app, "&& kye~x"), None);
        let error = app.browser().error().expect("explained");
        assert!(error.starts_with("filter: "), "{error}");
        assert_eq!(
            app.browser().filter(),
            Some("jq:.order_id > 3"),
            "unchanged"
        );

        // `/` starts from the current expression; emptying it drops it.
        app.update(Action::StartFilter);
        for _ in 0.."jq:.order_id > 3&& kye~x".len() {
            app.update(Action::FilterBackspace);
        }
        let request = browse_request(app.update(Action::FilterApply));
        assert_eq!(request.filter, None);
        assert_eq!(app.browser().error(), None);
    }

    #[test]
    fn a_record_opens_with_its_lines_and_scrolls() {
        let (mut app, _) = on_orders();
        deliver(&mut app, 1, fixture::records(3, 6), ReaderPhase::CaughtUp);
        // The newest of three: i = 2, partition 2, offset 0, JSON.
        app.update(Action::Open);
        let record = app.browser().record().expect("open");
        assert_eq!((record.partition, record.offset), (2, 0));
        let texts: Vec<String> = record.lines.iter().map(|l| l.text.clone()).collect();
        assert_eq!(
            texts[0],
            "Partition 2 · offset 0 · 2023-11-14 22:13:20.002Z"
        );
        assert_eq!(texts[1], "Key (utf-8, 3 B)");
        assert_eq!(texts[2], "  c-2");
        assert_eq!(texts[3], "Headers (1)");
        assert!(texts[5].starts_with("Value (json, "), "{texts:?}");
        assert_eq!(texts[6], "  {");
        app.update(Action::Bottom);
        assert_eq!(app.selected(TableKind::RecordLines), texts.len() - 1);
    }
}
