//! The interactive loop: terminal events, a clock tick and the poller's
//! channel, multiplexed with `select!`, each turned into an [`Action`] for
//! [`App::update`]; the screen is redrawn after every action.
//!
//! Nothing in the loop waits on the cluster: the poller runs in its own
//! task, so keys are handled while a round is in flight or hanging.
//!
//! The terminal is put back (raw mode off, main screen, cursor shown) on
//! every way out: a normal return and an error through [`TerminalGuard`]'s
//! drop, a panic through the hook ratatui installs in `try_init`.

use std::io;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::action::{Action, Command};
use crate::app::App;
use crate::keymap;
use crate::poller::{PollerHandle, now_ms};
use crate::reader::ReaderHandle;

/// How often the status line's data age is brought up to date.
pub const TICK_INTERVAL: Duration = Duration::from_secs(1);

/// Raw mode and the alternate screen for as long as it lives.
#[derive(Debug)]
pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. ratatui's init also chains
    /// a panic hook that restores the terminal before the panic message is
    /// printed, so a panic does not leave the shell in raw mode.
    pub fn enter() -> io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
        })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Runs the dashboard until the user quits. `actions` is the channel the
/// poller and the reader send on; `poller` is asked for a round on
/// `Command::Refresh`, `reader` for records on `Command::Browse`.
pub async fn run(
    mut app: App,
    poller: &PollerHandle,
    reader: &ReaderHandle,
    mut actions: mpsc::UnboundedReceiver<Action>,
) -> io::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let terminal = guard.terminal();
    let size = terminal.size()?;
    app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    app.update(Action::Tick { now_ms: now_ms() });
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        terminal.draw(|frame| crate::ui::draw(frame, &app))?;
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => action_for_event(&event, &app),
                Some(Err(e)) => return Err(e),
                // The terminal is gone (stdin closed): nothing can be shown.
                None => return Ok(()),
            },
            Some(action) = actions.recv() => Some(action),
            _ = tick.tick() => Some(Action::Tick { now_ms: now_ms() }),
        };
        let Some(action) = action else { continue };
        match app.update(action) {
            Some(Command::Quit) => return Ok(()),
            Some(Command::Refresh) => poller.refresh(),
            Some(Command::Browse(request)) => reader.browse(*request),
            Some(Command::StopBrowse) => reader.stop(),
            None => {}
        }
    }
}

/// The action for a terminal event in the app's current input mode.
pub fn action_for_event(event: &Event, app: &App) -> Option<Action> {
    match event {
        Event::Key(key) => keymap::action_for(key, app.input_mode()),
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::EvalConfig;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn keys_follow_the_input_mode_and_resizes_pass_through() {
        let mut app = App::new(EvalConfig::default(), 1_000);
        let slash = Event::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
        let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        assert_eq!(action_for_event(&q, &app), Some(Action::Quit));
        let start = action_for_event(&slash, &app).expect("bound");
        app.update(start);
        // While typing a filter, q is text, not quit.
        assert_eq!(action_for_event(&q, &app), Some(Action::FilterChar('q')));
        assert_eq!(
            action_for_event(&Event::Resize(120, 40), &app),
            Some(Action::Resize {
                width: 120,
                height: 40
            })
        );
        assert_eq!(action_for_event(&Event::FocusGained, &app), None);
    }
}
