//! The dashboard's state and its one entry point, [`App::update`].
//!
//! `update` does no I/O and draws nothing: it folds an [`Action`] into the
//! state and may return a [`Command`] for the event loop (poll now, quit).
//! Time arrives as `Action::Tick`, data as `Action::Snapshot`, so every
//! behaviour here is testable by feeding actions.

pub mod messages;
pub mod table;

use std::collections::HashMap;

use kctl_client::admin::SHARE_GROUP_TYPE;

use crate::action::{Action, Command, Screen};
use crate::evaluation::{
    BrokerEval, EvalConfig, Evaluation, Evaluator, GroupEval, GroupPartitionEval, ShareEval,
    TopicEval, TopicPartitionEval,
};
use crate::keymap::Mode;
use crate::messages::DEFAULT_BUFFER_RECORDS;
use crate::model::Snapshot;
use crate::ring::Ring;

pub use self::messages::{Browser, DetailLine, Prompt, PromptKind, RecordDetail};

pub use self::table::{Column, SortState, TableKind};

/// Samples kept per sparkline: at a 10 s refresh, ten minutes of trend.
pub const HISTORY_LEN: usize = 60;
/// Rows a page moves before the first resize tells the real height.
const DEFAULT_PAGE_ROWS: usize = 10;
/// Rows taken by tabs, table header, borders and the status line; what is
/// left of the terminal height is a page.
const CHROME_ROWS: u16 = 6;

/// Where the user is: a screen, or a drill-in below one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Overview,
    Groups,
    /// One group's partitions.
    Group(String),
    Topics,
    /// One topic's partitions.
    Topic(String),
    Brokers,
    /// The topic picker of the Messages screen.
    Messages,
    /// One topic's records, newest first.
    MessageList(String),
    /// One record: key, headers, value.
    Record(String),
}

impl View {
    pub fn screen(&self) -> Screen {
        match self {
            Self::Overview => Screen::Overview,
            Self::Groups | Self::Group(_) => Screen::Groups,
            Self::Topics | Self::Topic(_) => Screen::Topics,
            Self::Brokers => Screen::Brokers,
            Self::Messages | Self::MessageList(_) | Self::Record(_) => Screen::Messages,
        }
    }

    /// Views that the reader task reads for.
    pub fn is_browsing(&self) -> bool {
        matches!(self, Self::MessageList(_) | Self::Record(_))
    }

    pub fn table(&self) -> TableKind {
        match self {
            Self::Overview => TableKind::WorstGroups,
            Self::Groups => TableKind::Groups,
            Self::Group(_) => TableKind::GroupPartitions,
            Self::Topics => TableKind::Topics,
            Self::Topic(_) => TableKind::TopicPartitions,
            Self::Brokers => TableKind::Brokers,
            Self::Messages => TableKind::MessageTopics,
            Self::MessageList(_) => TableKind::Messages,
            Self::Record(_) => TableKind::RecordLines,
        }
    }

    fn root(screen: Screen) -> Self {
        match screen {
            Screen::Overview => Self::Overview,
            Screen::Groups => Self::Groups,
            Screen::Topics => Self::Topics,
            Screen::Brokers => Self::Brokers,
            Screen::Messages => Self::Messages,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollError {
    pub at_ms: i64,
    pub message: String,
}

/// What the status line shows, derived from the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine<'a> {
    /// Age of the displayed data; `None` before the first snapshot.
    pub data_age_ms: Option<u64>,
    /// Older than three refresh intervals: the poller is not keeping up.
    pub stale: bool,
    pub refresh_interval_ms: u64,
    pub frozen: bool,
    /// Snapshots received while frozen and not shown yet.
    pub held_updates: usize,
    pub refreshing: bool,
    /// The last poll error, while no snapshot has arrived since.
    pub error: Option<&'a str>,
    pub filter: &'a str,
    pub filter_editing: bool,
    /// A prompt being typed (start position, record filter).
    pub prompt: Option<&'a Prompt>,
}

/// One sparkline's samples; `None` where there was no lag to show.
pub type LagHistory = Ring<Option<u64>>;

/// A share group's (or share partition's) delivery figures over time, one
/// sparkline each; `None` samples where the broker reported none.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareTrends {
    pub in_flight: LagHistory,
    /// Redeliveries per second, in thousandths (the sparkline needs whole
    /// numbers; a rate below one a second must still show).
    pub redelivery_rate_milli: LagHistory,
    pub archived: LagHistory,
}

impl ShareTrends {
    fn new() -> Self {
        Self {
            in_flight: Ring::new(HISTORY_LEN),
            redelivery_rate_milli: Ring::new(HISTORY_LEN),
            archived: Ring::new(HISTORY_LEN),
        }
    }

    /// One sample of each; `None` (no statistics) is a gap in all three.
    fn push(&mut self, share: Option<&ShareEval>) {
        self.in_flight.push(share.map(|s| s.in_flight));
        // Rounded to whole thousandths; a rate is never negative.
        self.redelivery_rate_milli.push(
            share
                .and_then(|s| s.redelivery_rate_per_s)
                .map(|r| (r * 1_000.0).round() as u64),
        );
        self.archived.push(share.map(|s| s.archived));
    }
}

/// Lag over time, per group and per (group, topic, partition), and a share
/// group's delivery figures the same way.
#[derive(Debug, Clone, Default)]
struct History {
    groups: HashMap<String, LagHistory>,
    partitions: HashMap<String, HashMap<String, HashMap<i32, LagHistory>>>,
    share_groups: HashMap<String, ShareTrends>,
    share_partitions: HashMap<String, HashMap<(String, i32), ShareTrends>>,
}

impl History {
    /// Appends the evaluation's lags; groups and partitions that are gone
    /// are not carried over, so the history stays bounded by the cluster.
    fn record(&mut self, evaluation: &Evaluation) {
        let mut old_groups = std::mem::take(&mut self.groups);
        let mut old_partitions = std::mem::take(&mut self.partitions);
        let mut old_share_groups = std::mem::take(&mut self.share_groups);
        let mut old_share_partitions = std::mem::take(&mut self.share_partitions);
        for group in &evaluation.groups {
            if group.group_type == SHARE_GROUP_TYPE {
                let mut trends = old_share_groups
                    .remove(&group.group_id)
                    .unwrap_or_else(ShareTrends::new);
                trends.push(group.share.as_ref());
                self.share_groups.insert(group.group_id.clone(), trends);
                let mut old = old_share_partitions
                    .remove(&group.group_id)
                    .unwrap_or_default();
                let partitions = self
                    .share_partitions
                    .entry(group.group_id.clone())
                    .or_default();
                for p in &group.partitions {
                    let key = (p.topic.clone(), p.partition);
                    let mut trends = old.remove(&key).unwrap_or_else(ShareTrends::new);
                    trends.push(p.share.as_ref());
                    partitions.insert(key, trends);
                }
            }
            let mut ring = old_groups
                .remove(&group.group_id)
                .unwrap_or_else(|| Ring::new(HISTORY_LEN));
            // A group without any commit has no lag, not zero lag.
            let committed = group.partitions.iter().any(|p| p.lag.is_some());
            ring.push(committed.then_some(group.total_lag));
            self.groups.insert(group.group_id.clone(), ring);

            let mut old_topics = old_partitions.remove(&group.group_id).unwrap_or_default();
            let topics = self.partitions.entry(group.group_id.clone()).or_default();
            for p in &group.partitions {
                let mut ring = old_topics
                    .get_mut(&p.topic)
                    .and_then(|t| t.remove(&p.partition))
                    .unwrap_or_else(|| Ring::new(HISTORY_LEN));
                ring.push(p.lag);
                topics
                    .entry(p.topic.clone())
                    .or_default()
                    .insert(p.partition, ring);
            }
        }
    }
}

/// The whole dashboard state.
#[derive(Debug, Clone)]
pub struct App {
    evaluator: Evaluator,
    evaluation: Option<Evaluation>,
    history: History,
    view: View,
    /// Views to return to, with the filter each had.
    back: Vec<(View, String)>,
    selected: HashMap<TableKind, usize>,
    sort: HashMap<TableKind, SortState>,
    filter: String,
    filter_editing: bool,
    /// `Some(scroll offset)` while the help overlay is open.
    help_scroll: Option<usize>,
    frozen: bool,
    held: Option<Box<Snapshot>>,
    held_updates: usize,
    refreshing: bool,
    now_ms: Option<i64>,
    latest_data_ms: Option<i64>,
    last_error: Option<PollError>,
    refresh_interval_ms: u64,
    page_rows: usize,
    should_quit: bool,
    /// The Messages screen's reader state and buffer.
    browser: Browser,
    prompt: Option<Prompt>,
}

impl App {
    /// `refresh_interval_ms` is the poller's interval; it is shown, and it
    /// decides when data counts as stale.
    pub fn new(config: EvalConfig, refresh_interval_ms: u64) -> Self {
        Self {
            evaluator: Evaluator::new(config),
            evaluation: None,
            history: History::default(),
            view: View::Overview,
            back: Vec::new(),
            selected: HashMap::new(),
            sort: HashMap::new(),
            filter: String::new(),
            filter_editing: false,
            help_scroll: None,
            frozen: false,
            held: None,
            held_updates: 0,
            refreshing: false,
            now_ms: None,
            latest_data_ms: None,
            last_error: None,
            refresh_interval_ms,
            page_rows: DEFAULT_PAGE_ROWS,
            should_quit: false,
            browser: Browser::new(DEFAULT_BUFFER_RECORDS),
            prompt: None,
        }
    }

    /// Sets how many records the Messages screen keeps.
    ///
    /// # Panics
    /// If `records` is 0.
    #[must_use]
    pub fn with_buffer_records(mut self, records: usize) -> Self {
        self.browser = Browser::new(records);
        self
    }

    pub fn update(&mut self, action: Action) -> Option<Command> {
        let was_browsing = self.view.is_browsing();
        let command = self.apply(action);
        // Leaving the records stops the reader; the buffer stays for when
        // the user comes back to it.
        if command.is_none() && was_browsing && !self.view.is_browsing() {
            return self.browser.stop();
        }
        command
    }

    fn apply(&mut self, action: Action) -> Option<Command> {
        match action {
            Action::Quit => {
                self.should_quit = true;
                return Some(Command::Quit);
            }
            Action::Snapshot(snapshot) => self.on_snapshot(snapshot),
            Action::PollFailed { at_ms, error } => {
                self.refreshing = false;
                self.last_error = Some(PollError {
                    at_ms,
                    message: error,
                });
            }
            Action::Tick { now_ms } => self.now_ms = Some(now_ms),
            Action::Resize { height, .. } => {
                self.page_rows = usize::from(height.saturating_sub(CHROME_ROWS)).max(1);
            }
            Action::RefreshNow => {
                self.refreshing = true;
                return Some(Command::Refresh);
            }
            Action::Browsed(update) => self.on_browsed(*update),
            action if self.help_scroll.is_some() => self.update_help(action),
            action if self.prompt.is_some() => return self.update_prompt(action),
            Action::ToggleHelp => self.help_scroll = Some(0),
            Action::ToggleFreeze => self.toggle_freeze(),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page_rows as isize)),
            Action::PageDown => self.move_selection(self.page_rows as isize),
            Action::Top => self.set_selected(0),
            Action::Bottom => self.set_selected(self.row_count().saturating_sub(1)),
            Action::NextScreen => self.show(self.view.screen().next()),
            Action::PrevScreen => self.show(self.view.screen().prev()),
            Action::Show(screen) => self.show(screen),
            Action::Open => return self.open(),
            Action::Back => self.back(),
            Action::NextPartition => return self.next_partition(),
            Action::StartSeek => self.start_prompt(PromptKind::StartAt),
            Action::ToggleTail => return self.toggle_tail(),
            Action::StartFilter if matches!(self.view, View::MessageList(_)) => {
                self.start_prompt(PromptKind::RecordFilter);
            }
            Action::StartFilter => self.filter_editing = true,
            Action::FilterChar(c) if self.filter_editing => {
                self.filter.push(c);
                self.clamp_selection();
            }
            Action::FilterBackspace if self.filter_editing => {
                self.filter.pop();
                self.clamp_selection();
            }
            Action::FilterApply => self.filter_editing = false,
            Action::FilterCancel => {
                self.filter_editing = false;
                self.filter.clear();
                self.clamp_selection();
            }
            Action::FilterChar(_) | Action::FilterBackspace => {}
            Action::SortNext => self.sort_next(),
            Action::SortReverse => {
                let table = self.view.table();
                if table.next_sortable(0).is_some() {
                    let sort = self.sort_state(table);
                    self.sort.insert(
                        table,
                        SortState {
                            descending: !sort.descending,
                            ..sort
                        },
                    );
                }
            }
        }
        None
    }

    fn update_help(&mut self, action: Action) {
        let scroll = self.help_scroll.unwrap_or(0);
        self.help_scroll = match action {
            Action::ToggleHelp | Action::Back => None,
            Action::Up => Some(scroll.saturating_sub(1)),
            Action::Down => Some(scroll + 1),
            Action::PageUp => Some(scroll.saturating_sub(self.page_rows)),
            Action::PageDown => Some(scroll + self.page_rows),
            Action::Top => Some(0),
            _ => Some(scroll),
        };
    }

    fn on_snapshot(&mut self, snapshot: Box<Snapshot>) {
        self.refreshing = false;
        if !self.evaluator.ingest(&snapshot) {
            return;
        }
        self.latest_data_ms = Some(snapshot.captured_at_ms);
        if self.now_ms.is_none_or(|now| now < snapshot.captured_at_ms) {
            self.now_ms = Some(snapshot.captured_at_ms);
        }
        if self.frozen {
            // The windows keep filling so rates and statuses are current on
            // unfreeze; only the display holds still.
            self.held = Some(snapshot);
            self.held_updates += 1;
        } else {
            self.display(&snapshot);
        }
    }

    fn display(&mut self, snapshot: &Snapshot) {
        let evaluation = self.evaluator.evaluate(snapshot);
        self.history.record(&evaluation);
        self.evaluation = Some(evaluation);
        self.clamp_all_selections();
    }

    fn toggle_freeze(&mut self) {
        self.frozen = !self.frozen;
        if !self.frozen {
            if let Some(held) = self.held.take() {
                self.display(&held);
            }
            self.held_updates = 0;
        }
    }

    fn show(&mut self, screen: Screen) {
        self.view = View::root(screen);
        self.back.clear();
        self.filter.clear();
        self.filter_editing = false;
        self.clamp_selection();
    }

    fn open(&mut self) -> Option<Command> {
        let target = match &self.view {
            View::Overview => self
                .worst_groups()
                .get(self.selected(TableKind::WorstGroups))
                .map(|g| View::Group(g.group_id.clone())),
            View::Groups => self
                .group_rows()
                .get(self.selected(TableKind::Groups))
                .map(|g| View::Group(g.group_id.clone())),
            View::Group(_) => self
                .group_partition_rows()
                .get(self.selected(TableKind::GroupPartitions))
                .map(|p| View::Topic(p.topic.clone())),
            View::Topics => self
                .topic_rows()
                .get(self.selected(TableKind::Topics))
                .map(|t| View::Topic(t.name.clone())),
            View::Topic(name) => {
                let partition = self
                    .topic_partition_rows()
                    .get(self.selected(TableKind::TopicPartitions))
                    .map(|p| p.partition);
                return self.open_records(name.clone(), partition);
            }
            View::Messages => {
                let topic = self
                    .message_topic_rows()
                    .get(self.selected(TableKind::MessageTopics))
                    .map(|t| t.name.clone())?;
                return self.open_records(topic, None);
            }
            View::MessageList(topic) => {
                let record = self
                    .browser
                    .buffer()
                    .newest_first(self.selected(TableKind::Messages))?
                    .clone();
                self.browser.open(&record);
                Some(View::Record(topic.clone()))
            }
            View::Brokers | View::Record(_) => None,
        };
        if let Some(target) = target {
            self.push_view(target);
        }
        None
    }

    /// Goes to `target`, remembering where the user came from.
    fn push_view(&mut self, target: View) {
        let previous = std::mem::replace(&mut self.view, target);
        self.back.push((previous, std::mem::take(&mut self.filter)));
        self.filter_editing = false;
        self.selected.insert(self.view.table(), 0);
    }

    fn back(&mut self) {
        if !self.filter.is_empty() {
            self.filter.clear();
            self.clamp_selection();
        } else if let Some((view, filter)) = self.back.pop() {
            self.view = view;
            self.filter = filter;
            self.clamp_selection();
        }
    }

    fn sort_next(&mut self) {
        let table = self.view.table();
        let current = self.sort_state(table);
        if let Some(column) = table.next_sortable(current.column) {
            self.sort.insert(
                table,
                SortState {
                    column,
                    descending: table.columns()[column].descending_first,
                },
            );
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let current = self.selected(self.view.table());
        self.set_selected(current.saturating_add_signed(delta));
    }

    fn set_selected(&mut self, index: usize) {
        let max = self.row_count().saturating_sub(1);
        self.selected.insert(self.view.table(), index.min(max));
    }

    fn clamp_selection(&mut self) {
        self.set_selected(self.selected(self.view.table()));
    }

    /// After new data, every remembered selection must still point at a
    /// row, including those of views in the back stack.
    fn clamp_all_selections(&mut self) {
        let saved = (self.view.clone(), self.filter.clone());
        let stacked: Vec<(View, String)> = self.back.clone();
        for (view, filter) in stacked {
            self.view = view;
            self.filter = filter;
            self.clamp_selection();
        }
        (self.view, self.filter) = saved;
        self.clamp_selection();
    }

    // ---- read side: everything drawing needs ----

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation.as_ref()
    }

    pub fn input_mode(&self) -> Mode {
        if self.help_scroll.is_some() {
            Mode::Help
        } else if self.filter_editing || self.prompt.is_some() {
            Mode::Filter
        } else {
            Mode::Normal
        }
    }

    pub fn help_scroll(&self) -> Option<usize> {
        self.help_scroll
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    pub fn selected(&self, table: TableKind) -> usize {
        self.selected.get(&table).copied().unwrap_or(0)
    }

    pub fn sort_state(&self, table: TableKind) -> SortState {
        self.sort
            .get(&table)
            .copied()
            .unwrap_or_else(|| table.default_sort())
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn status_line(&self) -> StatusLine<'_> {
        let shown_ms = self.evaluation.as_ref().map(|e| e.captured_at_ms);
        let data_age_ms = match (self.now_ms, shown_ms) {
            (Some(now), Some(shown)) => Some(u64::try_from(now - shown).unwrap_or(0)),
            _ => None,
        };
        let error = self
            .last_error
            .as_ref()
            .filter(|e| self.latest_data_ms.is_none_or(|data| e.at_ms >= data))
            .map(|e| e.message.as_str());
        StatusLine {
            data_age_ms,
            stale: data_age_ms.is_some_and(|age| age > self.refresh_interval_ms.saturating_mul(3)),
            refresh_interval_ms: self.refresh_interval_ms,
            frozen: self.frozen,
            held_updates: self.held_updates,
            refreshing: self.refreshing,
            error,
            filter: &self.filter,
            filter_editing: self.filter_editing,
            prompt: self.prompt.as_ref(),
        }
    }

    pub fn group_history(&self, group: &str) -> Option<&LagHistory> {
        self.history.groups.get(group)
    }

    /// A share group's in-flight, redelivery-rate and archived trends.
    pub fn share_group_trends(&self, group: &str) -> Option<&ShareTrends> {
        self.history.share_groups.get(group)
    }

    /// One share partition's trends.
    pub fn share_partition_trends(
        &self,
        group: &str,
        topic: &str,
        partition: i32,
    ) -> Option<&ShareTrends> {
        self.history
            .share_partitions
            .get(group)?
            .get(&(topic.to_owned(), partition))
    }

    pub fn partition_history(
        &self,
        group: &str,
        topic: &str,
        partition: i32,
    ) -> Option<&LagHistory> {
        self.history
            .partitions
            .get(group)?
            .get(topic)?
            .get(&partition)
    }

    fn needle(&self) -> String {
        self.filter.to_lowercase()
    }

    /// Rows of the current view's table.
    pub fn row_count(&self) -> usize {
        match &self.view {
            View::Overview => self.worst_groups().len(),
            View::Groups => self.group_rows().len(),
            View::Group(_) => self.group_partition_rows().len(),
            View::Topics => self.topic_rows().len(),
            View::Topic(_) => self.topic_partition_rows().len(),
            View::Brokers => self.broker_rows().len(),
            View::Messages => self.message_topic_rows().len(),
            View::MessageList(_) => self.browser.buffer().len(),
            View::Record(_) => self.browser.record().map_or(0, |r| r.lines.len()),
        }
    }

    /// Groups that are not OK or lag at all, worst first.
    pub fn worst_groups(&self) -> Vec<&GroupEval> {
        let needle = self.needle();
        let mut rows: Vec<&GroupEval> = self
            .evaluation
            .iter()
            .flat_map(|e| &e.groups)
            .filter(|g| table::is_interesting(g) && table::matches(&g.group_id, &needle))
            .collect();
        rows.sort_by(|a, b| table::compare_worst(a, b));
        rows
    }

    pub fn group_rows(&self) -> Vec<&GroupEval> {
        let needle = self.needle();
        let sort = self.sort_state(TableKind::Groups);
        let mut rows: Vec<&GroupEval> = self
            .evaluation
            .iter()
            .flat_map(|e| &e.groups)
            .filter(|g| table::matches(&g.group_id, &needle))
            .collect();
        rows.sort_by(|a, b| table::compare_groups(a, b, sort));
        rows
    }

    /// The group of the current drill-in.
    pub fn current_group(&self) -> Option<&GroupEval> {
        let View::Group(id) = &self.view else {
            return None;
        };
        self.evaluation
            .as_ref()?
            .groups
            .iter()
            .find(|g| &g.group_id == id)
    }

    pub fn group_partition_rows(&self) -> Vec<&GroupPartitionEval> {
        let needle = self.needle();
        let sort = self.sort_state(TableKind::GroupPartitions);
        let mut rows: Vec<&GroupPartitionEval> = self
            .current_group()
            .iter()
            .flat_map(|g| &g.partitions)
            .filter(|p| table::matches(&p.topic, &needle))
            .collect();
        rows.sort_by(|a, b| table::compare_group_partitions(a, b, sort));
        rows
    }

    pub fn topic_rows(&self) -> Vec<&TopicEval> {
        let needle = self.needle();
        let sort = self.sort_state(TableKind::Topics);
        let mut rows: Vec<&TopicEval> = self
            .evaluation
            .iter()
            .flat_map(|e| &e.topics)
            .filter(|t| table::matches(&t.name, &needle))
            .collect();
        rows.sort_by(|a, b| table::compare_topics(a, b, sort));
        rows
    }

    /// The topic of the current drill-in.
    pub fn current_topic(&self) -> Option<&TopicEval> {
        let View::Topic(name) = &self.view else {
            return None;
        };
        self.evaluation
            .as_ref()?
            .topics
            .iter()
            .find(|t| &t.name == name)
    }

    /// Filtered by partition number or by a broker id in the replicas.
    pub fn topic_partition_rows(&self) -> Vec<&TopicPartitionEval> {
        let needle = self.needle();
        let sort = self.sort_state(TableKind::TopicPartitions);
        let mut rows: Vec<&TopicPartitionEval> = self
            .current_topic()
            .iter()
            .flat_map(|t| &t.partitions)
            .filter(|p| {
                needle.is_empty()
                    || p.partition.to_string() == needle
                    || p.replicas.iter().any(|r| r.to_string() == needle)
            })
            .collect();
        rows.sort_by(|a, b| table::compare_topic_partitions(a, b, sort));
        rows
    }

    pub fn broker_rows(&self) -> Vec<&BrokerEval> {
        let needle = self.needle();
        let sort = self.sort_state(TableKind::Brokers);
        let mut rows: Vec<&BrokerEval> = self
            .evaluation
            .iter()
            .flat_map(|e| &e.brokers)
            .filter(|b| {
                needle.is_empty()
                    || b.id.to_string() == needle
                    || b.host
                        .as_deref()
                        .is_some_and(|h| table::matches(h, &needle))
                    || b.rack
                        .as_deref()
                        .is_some_and(|r| table::matches(r, &needle))
            })
            .collect();
        rows.sort_by(|a, b| table::compare_brokers(a, b, sort));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::Status;
    use crate::fixture::{self, SCENARIO_STEPS};

    fn loaded() -> App {
        let mut app = App::new(EvalConfig::default(), 10_000);
        for step in 0..SCENARIO_STEPS {
            assert_eq!(
                app.update(Action::Snapshot(Box::new(fixture::scenario(step)))),
                None
            );
        }
        app
    }

    fn feed(app: &mut App, actions: impl IntoIterator<Item = Action>) {
        for action in actions {
            app.update(action);
        }
    }

    #[test]
    fn quit_and_refresh_return_commands() {
        let mut app = loaded();
        assert_eq!(app.update(Action::RefreshNow), Some(Command::Refresh));
        assert!(app.status_line().refreshing);
        app.update(Action::Snapshot(Box::new(fixture::scenario(
            SCENARIO_STEPS,
        ))));
        assert!(
            !app.status_line().refreshing,
            "a snapshot answers the request"
        );
        assert_eq!(app.update(Action::Quit), Some(Command::Quit));
        assert!(app.should_quit());
    }

    #[test]
    fn tab_cycles_screens_and_numbers_jump() {
        let mut app = loaded();
        feed(&mut app, [Action::NextScreen, Action::NextScreen]);
        assert_eq!(app.view(), &View::Topics);
        app.update(Action::PrevScreen);
        assert_eq!(app.view(), &View::Groups);
        feed(&mut app, [Action::PrevScreen, Action::PrevScreen]);
        assert_eq!(app.view(), &View::Messages);
        app.update(Action::PrevScreen);
        assert_eq!(app.view(), &View::Brokers);
        app.update(Action::Show(Screen::Overview));
        assert_eq!(app.view(), &View::Overview);
    }

    #[test]
    fn selection_moves_and_clamps() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        let rows = app.group_rows().len();
        assert_eq!(rows, 5);
        app.update(Action::Up);
        assert_eq!(app.selected(TableKind::Groups), 0, "no wrap above the top");
        feed(&mut app, [Action::Down, Action::Down]);
        assert_eq!(app.selected(TableKind::Groups), 2);
        app.update(Action::PageDown);
        assert_eq!(app.selected(TableKind::Groups), rows - 1);
        app.update(Action::Top);
        assert_eq!(app.selected(TableKind::Groups), 0);
        app.update(Action::Bottom);
        assert_eq!(app.selected(TableKind::Groups), rows - 1);
    }

    #[test]
    fn page_size_follows_the_terminal_height() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Topics));
        app.update(Action::Bottom);
        app.update(Action::Resize {
            width: 80,
            height: 8,
        });
        // 8 rows minus the chrome leave a page of 2.
        let last = app.row_count() - 1;
        app.update(Action::PageUp);
        assert_eq!(app.selected(TableKind::Topics), last - 2);
    }

    #[test]
    fn drill_into_group_then_topic_and_back() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        let second = app.group_rows()[1].group_id.clone();
        feed(&mut app, [Action::Down, Action::Open]);
        assert_eq!(app.view(), &View::Group(second.clone()));
        assert_eq!(app.view().screen(), Screen::Groups);
        assert_eq!(app.selected(TableKind::GroupPartitions), 0);
        let topic = app.group_partition_rows()[0].topic.clone();
        app.update(Action::Open);
        assert_eq!(app.view(), &View::Topic(topic));
        app.update(Action::Back);
        assert_eq!(app.view(), &View::Group(second));
        app.update(Action::Back);
        assert_eq!(app.view(), &View::Groups);
        assert_eq!(
            app.selected(TableKind::Groups),
            1,
            "selection survives the round trip"
        );
        app.update(Action::Back);
        assert_eq!(app.view(), &View::Groups, "back at a root stays put");
    }

    #[test]
    fn overview_opens_the_worst_group() {
        let mut app = loaded();
        let worst = app.worst_groups();
        assert_eq!(worst[0].group_id, "audit");
        assert_eq!(worst[0].status, Status::Err);
        assert!(
            worst.iter().all(|g| g.group_id != "fresh"),
            "no commits, no lag: not listed"
        );
        app.update(Action::Open);
        assert_eq!(app.view(), &View::Group("audit".into()));
    }

    #[test]
    fn filter_narrows_rows_and_back_clears_it() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Topics));
        app.update(Action::StartFilter);
        assert_eq!(app.input_mode(), Mode::Filter);
        feed(&mut app, "ORD".chars().map(Action::FilterChar));
        let names: Vec<_> = app.topic_rows().iter().map(|t| t.name.clone()).collect();
        assert_eq!(names, vec!["orders"]);
        app.update(Action::FilterApply);
        assert_eq!(app.input_mode(), Mode::Normal);
        assert_eq!(app.filter(), "ORD");
        app.update(Action::FilterChar('x'));
        assert_eq!(
            app.filter(),
            "ORD",
            "typing outside filter input does nothing"
        );
        app.update(Action::Back);
        assert_eq!(app.filter(), "");
        assert_eq!(app.topic_rows().len(), 5);
    }

    #[test]
    fn filter_cancel_and_backspace() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        feed(
            &mut app,
            [
                Action::StartFilter,
                Action::FilterChar('z'),
                Action::FilterChar('z'),
            ],
        );
        assert!(app.group_rows().is_empty());
        assert_eq!(app.selected(TableKind::Groups), 0);
        feed(&mut app, [Action::FilterBackspace, Action::FilterBackspace]);
        assert_eq!(app.group_rows().len(), 5);
        feed(&mut app, [Action::FilterChar('a'), Action::FilterCancel]);
        assert_eq!((app.filter(), app.input_mode()), ("", Mode::Normal));
    }

    #[test]
    fn filter_is_restored_when_coming_back_from_a_drill_in() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        feed(
            &mut app,
            [
                Action::StartFilter,
                Action::FilterChar('a'),
                Action::FilterApply,
            ],
        );
        app.update(Action::Open);
        assert_eq!(app.filter(), "", "a drill-in starts unfiltered");
        app.update(Action::Back);
        assert_eq!(app.filter(), "a");
    }

    #[test]
    fn sort_cycles_columns_and_reverses() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        let default = app.sort_state(TableKind::Groups);
        assert_eq!((default.column, default.descending), (5, true));
        assert_eq!(
            app.group_rows()[0].group_id,
            "audit",
            "status ERR sorts first"
        );
        app.update(Action::SortNext);
        let by_name = app.sort_state(TableKind::Groups);
        assert_eq!((by_name.column, by_name.descending), (0, false));
        let names = app
            .group_rows()
            .iter()
            .map(|g| g.group_id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(names, "analytics,audit,billing,fresh,replay");
        app.update(Action::SortReverse);
        assert_eq!(app.group_rows()[0].group_id, "replay");
        app.update(Action::SortNext);
        assert_eq!(app.sort_state(TableKind::Groups).column, 1);
    }

    #[test]
    fn help_overlay_captures_navigation() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        app.update(Action::ToggleHelp);
        assert_eq!(app.input_mode(), Mode::Help);
        feed(&mut app, [Action::Down, Action::Down, Action::Up]);
        assert_eq!(app.help_scroll(), Some(1));
        assert_eq!(
            app.selected(TableKind::Groups),
            0,
            "the table underneath did not move"
        );
        app.update(Action::Open);
        assert_eq!(app.view(), &View::Groups);
        app.update(Action::Back);
        assert_eq!(app.help_scroll(), None);
        app.update(Action::ToggleHelp);
        assert_eq!(app.update(Action::Quit), Some(Command::Quit));
    }

    #[test]
    fn freeze_holds_the_display_and_says_so() {
        let mut app = loaded();
        let shown = app.evaluation().map(|e| e.captured_at_ms);
        app.update(Action::ToggleFreeze);
        for step in SCENARIO_STEPS..SCENARIO_STEPS + 2 {
            app.update(Action::Snapshot(Box::new(fixture::scenario(step))));
        }
        assert_eq!(app.evaluation().map(|e| e.captured_at_ms), shown);
        let status = app.status_line();
        assert!(status.frozen);
        assert_eq!(status.held_updates, 2);
        assert_eq!(
            status.data_age_ms,
            Some(20_000),
            "age keeps growing while frozen"
        );
        app.update(Action::ToggleFreeze);
        let newest = fixture::scenario(SCENARIO_STEPS + 1).captured_at_ms;
        assert_eq!(app.evaluation().map(|e| e.captured_at_ms), Some(newest));
        assert_eq!(app.status_line().held_updates, 0);
    }

    #[test]
    fn status_line_tracks_age_staleness_and_errors() {
        let mut app = App::new(EvalConfig::default(), 10_000);
        assert_eq!(app.status_line().data_age_ms, None);
        app.update(Action::PollFailed {
            at_ms: 5,
            error: "connection refused".into(),
        });
        assert_eq!(app.status_line().error, Some("connection refused"));
        let first = fixture::scenario(0);
        let t0 = first.captured_at_ms;
        app.update(Action::Snapshot(Box::new(first)));
        assert_eq!(app.status_line().error, None, "cleared by newer data");
        app.update(Action::Tick {
            now_ms: t0 + 25_000,
        });
        let status = app.status_line();
        assert_eq!((status.data_age_ms, status.stale), (Some(25_000), false));
        app.update(Action::PollFailed {
            at_ms: t0 + 30_000,
            error: "broker went away".into(),
        });
        app.update(Action::Tick {
            now_ms: t0 + 31_000,
        });
        let status = app.status_line();
        assert!(status.stale);
        assert_eq!(status.error, Some("broker went away"));
        assert!(app.evaluation().is_some(), "old data stays on screen");
    }

    #[test]
    fn older_snapshot_is_ignored() {
        let mut app = loaded();
        let shown = app.evaluation().map(|e| e.captured_at_ms);
        app.update(Action::Snapshot(Box::new(fixture::scenario(0))));
        assert_eq!(app.evaluation().map(|e| e.captured_at_ms), shown);
    }

    #[test]
    fn selection_is_clamped_when_rows_disappear() {
        let mut app = loaded();
        app.update(Action::Show(Screen::Groups));
        app.update(Action::Bottom);
        let mut smaller = fixture::scenario(SCENARIO_STEPS);
        smaller.groups.truncate(2);
        app.update(Action::Snapshot(Box::new(smaller)));
        assert_eq!(app.selected(TableKind::Groups), 1);
    }

    #[test]
    fn history_is_bounded_and_marks_missing_commits() {
        let mut app = App::new(EvalConfig::default(), 10_000);
        for step in 0..HISTORY_LEN + 5 {
            app.update(Action::Snapshot(Box::new(fixture::scenario(step))));
        }
        let analytics = app.group_history("analytics").expect("recorded");
        assert_eq!(analytics.len(), HISTORY_LEN);
        let lags: Vec<u64> = analytics.iter().flatten().copied().collect();
        assert!(
            lags.windows(2).all(|w| w[1] > w[0]),
            "analytics falls behind steadily"
        );
        let fresh = app.group_history("fresh").expect("recorded");
        assert!(fresh.iter().all(Option::is_none));
        let partition = app
            .partition_history("billing", "orders", 0)
            .expect("recorded");
        // Billing is caught up on even steps and 5 behind on odd ones.
        let newest: Vec<_> = partition.iter().rev().take(2).copied().collect();
        assert_eq!(newest, vec![Some(0), Some(5)]);
    }
}
