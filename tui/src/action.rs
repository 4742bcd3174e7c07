//! Everything that can change the dashboard's state, and what the state asks
//! of the outside world in return.

use crate::messages::{BrowseRequest, ReaderUpdate};
use crate::model::Snapshot;

/// An input to [`crate::app::App::update`]: from a key, from the poller, or
/// from the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextScreen,
    PrevScreen,
    Show(Screen),
    /// Drill into the selected row.
    Open,
    /// Leave a drill-in, clear a filter or close the help overlay.
    Back,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    /// Keep the filter and leave filter input.
    FilterApply,
    /// Drop the filter and leave filter input.
    FilterCancel,
    /// Sort by the next sortable column.
    SortNext,
    SortReverse,
    ToggleHelp,
    ToggleFreeze,
    RefreshNow,
    Quit,
    /// A snapshot from the poller.
    Snapshot(Box<Snapshot>),
    /// The poller's last round failed (broker gone, timeout, auth).
    PollFailed {
        at_ms: i64,
        error: String,
    },
    /// The terminal's new size; sets how far a page moves.
    Resize {
        width: u16,
        height: u16,
    },
    /// Messages: show the next partition (all, 0, 1, …, all).
    NextPartition,
    /// Messages: ask where to start reading (`o`).
    StartSeek,
    /// Messages: follow new records live, or stop reading.
    ToggleTail,
    /// Records and progress from the reader task.
    Browsed(Box<ReaderUpdate>),
    /// Wall-clock time, so data age can be shown without I/O in `update`.
    Tick {
        now_ms: i64,
    },
}

/// What `update` asks the event loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Poll now instead of waiting for the interval.
    Refresh,
    /// Start a reader session (ending the one in flight).
    Browse(Box<BrowseRequest>),
    /// End the reader session in flight.
    StopBrowse,
    Quit,
}

/// The top-level screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Overview,
    Groups,
    Topics,
    Brokers,
    Messages,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Self::Overview,
        Self::Groups,
        Self::Topics,
        Self::Brokers,
        Self::Messages,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Groups => "Groups",
            Self::Topics => "Topics",
            Self::Brokers => "Brokers",
            Self::Messages => "Messages",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Overview => 0,
            Self::Groups => 1,
            Self::Topics => 2,
            Self::Brokers => 3,
            Self::Messages => 4,
        }
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}
