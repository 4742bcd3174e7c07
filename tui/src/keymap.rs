//! The one key table. Key handling looks keys up here and the `?` overlay is
//! rendered from it, so help cannot drift from behaviour (yazi's approach).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{Action, Screen};

/// Which keys apply: filter input takes printable characters as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Help,
}

/// A key with the modifiers that matter. Shift is not stored for
/// characters: crossterm reports `G` as `Char('G')` with or without SHIFT
/// depending on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: &'static [Key],
    pub action: Action,
    pub description: &'static str,
}

const NORMAL: &[Mode] = &[Mode::Normal];
const NORMAL_HELP: &[Mode] = &[Mode::Normal, Mode::Help];
const FILTER: &[Mode] = &[Mode::Filter];
const ALL: &[Mode] = &[Mode::Normal, Mode::Filter, Mode::Help];

/// Every binding, in the order help lists them.
pub static KEYMAP: &[Binding] = &[
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('j'), key(KeyCode::Down)],
        action: Action::Down,
        description: "move down",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('k'), key(KeyCode::Up)],
        action: Action::Up,
        description: "move up",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ctrl('d'), key(KeyCode::PageDown)],
        action: Action::PageDown,
        description: "page down",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ctrl('u'), key(KeyCode::PageUp)],
        action: Action::PageUp,
        description: "page up",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('g'), key(KeyCode::Home)],
        action: Action::Top,
        description: "first row",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('G'), key(KeyCode::End)],
        action: Action::Bottom,
        description: "last row",
    },
    Binding {
        modes: NORMAL,
        keys: &[key(KeyCode::Enter), ch('l'), key(KeyCode::Right)],
        action: Action::Open,
        description: "drill into the selected row / open a record",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[key(KeyCode::Esc), ch('h'), key(KeyCode::Left)],
        action: Action::Back,
        description: "back / clear filter / close help",
    },
    Binding {
        modes: NORMAL,
        keys: &[key(KeyCode::Tab)],
        action: Action::NextScreen,
        description: "next screen",
    },
    Binding {
        modes: NORMAL,
        keys: &[key(KeyCode::BackTab)],
        action: Action::PrevScreen,
        description: "previous screen",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('1')],
        action: Action::Show(Screen::Overview),
        description: "overview",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('2')],
        action: Action::Show(Screen::Groups),
        description: "consumer groups",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('3')],
        action: Action::Show(Screen::Topics),
        description: "topics",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('4')],
        action: Action::Show(Screen::Brokers),
        description: "brokers",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('5')],
        action: Action::Show(Screen::Messages),
        description: "messages: pick a topic, Enter browses it",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('/')],
        action: Action::StartFilter,
        description: "filter rows (on records: a --filter expression)",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('o')],
        action: Action::StartSeek,
        description: "records: start at newest/oldest/offset/-N/15m/time",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('p')],
        action: Action::NextPartition,
        description: "records: next partition (all merged, 0, 1, …)",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('t')],
        action: Action::ToggleTail,
        description: "records: live tail on / off",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('s')],
        action: Action::SortNext,
        description: "sort by next column",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('S')],
        action: Action::SortReverse,
        description: "reverse sort order",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('f')],
        action: Action::ToggleFreeze,
        description: "freeze / unfreeze the display",
    },
    Binding {
        modes: NORMAL,
        keys: &[ch('r')],
        action: Action::RefreshNow,
        description: "refresh now",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('?')],
        action: Action::ToggleHelp,
        description: "toggle this help",
    },
    Binding {
        modes: NORMAL_HELP,
        keys: &[ch('q')],
        action: Action::Quit,
        description: "quit",
    },
    Binding {
        modes: ALL,
        keys: &[ctrl('c')],
        action: Action::Quit,
        description: "quit",
    },
    Binding {
        modes: FILTER,
        keys: &[key(KeyCode::Enter)],
        action: Action::FilterApply,
        description: "keep the filter / apply the prompt",
    },
    Binding {
        modes: FILTER,
        keys: &[key(KeyCode::Esc)],
        action: Action::FilterCancel,
        description: "drop the filter / cancel the prompt",
    },
    Binding {
        modes: FILTER,
        keys: &[key(KeyCode::Backspace)],
        action: Action::FilterBackspace,
        description: "delete a character",
    },
];

/// Maps a terminal key event to an action in `mode`. Releases and repeats
/// are ignored, so Windows' press+release pairs act once.
pub fn action_for(event: &KeyEvent, mode: Mode) -> Option<Action> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    let pressed = Key {
        code: event.code,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
    };
    let bound = KEYMAP
        .iter()
        .find(|b| b.modes.contains(&mode) && b.keys.contains(&pressed))
        .map(|b| b.action.clone());
    if bound.is_some() {
        return bound;
    }
    match (mode, pressed) {
        (
            Mode::Filter,
            Key {
                code: KeyCode::Char(c),
                ctrl: false,
            },
        ) => Some(Action::FilterChar(c)),
        _ => None,
    }
}

/// How a key is written in help.
pub fn key_label(key: Key) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".to_owned(),
        KeyCode::Down => "↓".to_owned(),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        KeyCode::Enter => "Enter".to_owned(),
        KeyCode::Esc => "Esc".to_owned(),
        KeyCode::Tab => "Tab".to_owned(),
        KeyCode::BackTab => "S-Tab".to_owned(),
        KeyCode::Backspace => "Bksp".to_owned(),
        KeyCode::Home => "Home".to_owned(),
        KeyCode::End => "End".to_owned(),
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        other => format!("{other:?}"),
    };
    if key.ctrl { format!("C-{base}") } else { base }
}

/// One help row per binding: keys, description, and whether it applies
/// while typing a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub keys: String,
    pub description: &'static str,
    pub filter_input: bool,
}

pub fn help_rows() -> Vec<HelpRow> {
    KEYMAP
        .iter()
        .map(|b| HelpRow {
            keys: b
                .keys
                .iter()
                .map(|k| key_label(*k))
                .collect::<Vec<_>>()
                .join(" "),
            description: b.description,
            filter_input: !b.modes.contains(&Mode::Normal),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn every_binding_resolves_to_its_own_action() {
        for binding in KEYMAP {
            for &k in binding.keys {
                let modifiers = if k.ctrl {
                    KeyModifiers::CONTROL
                } else {
                    KeyModifiers::NONE
                };
                for &mode in binding.modes {
                    assert_eq!(
                        action_for(&press(k.code, modifiers), mode),
                        Some(binding.action.clone()),
                        "{} in {mode:?}",
                        key_label(k)
                    );
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for mode in [Mode::Normal, Mode::Filter, Mode::Help] {
            let mut seen: Vec<Key> = Vec::new();
            for binding in KEYMAP.iter().filter(|b| b.modes.contains(&mode)) {
                for k in binding.keys {
                    assert!(
                        !seen.contains(k),
                        "{} bound twice in {mode:?}",
                        key_label(*k)
                    );
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn vim_and_arrow_keys_move() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(&press(KeyCode::Char('j'), none), Mode::Normal),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(&press(KeyCode::Down, none), Mode::Normal),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(
                &press(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Mode::Normal
            ),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn filter_mode_takes_letters_as_text() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(&press(KeyCode::Char('q'), none), Mode::Filter),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            action_for(&press(KeyCode::Esc, none), Mode::Filter),
            Some(Action::FilterCancel)
        );
        assert_eq!(
            action_for(
                &press(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Mode::Filter
            ),
            Some(Action::Quit)
        );
    }

    #[test]
    fn help_mode_only_scrolls_closes_and_quits() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(&press(KeyCode::Char('/'), none), Mode::Help),
            None
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('j'), none), Mode::Help),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(&press(KeyCode::Char('?'), none), Mode::Help),
            Some(Action::ToggleHelp)
        );
    }

    #[test]
    fn releases_are_ignored() {
        let mut release = press(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(action_for(&release, Mode::Normal), None);
    }

    #[test]
    fn help_lists_every_binding_with_its_keys() {
        let rows = help_rows();
        assert_eq!(rows.len(), KEYMAP.len());
        let down = rows
            .iter()
            .find(|r| r.description == "move down")
            .expect("listed");
        assert_eq!(down.keys, "j ↓");
        let ctrl_c = rows.iter().find(|r| r.keys == "C-c").expect("listed");
        assert_eq!(ctrl_c.description, "quit");
        assert!(
            rows.iter()
                .any(|r| r.filter_input && r.description.starts_with("keep the filter"))
        );
    }
}
