//! All of kctl's output on stdout goes through here, so every command
//! speaks the same three formats:
//!
//! - `table` (the default, on a terminal or not): borderless, aligned
//!   columns with an upper-case header row, one record per line, so `grep`,
//!   `awk` and `head` work. No wrapping; colour only on a terminal without
//!   `NO_COLOR`.
//! - `json`: the command's data as one pretty-printed JSON document.
//! - `yaml`: the same data as YAML.
//!
//! A command hands over serde-serializable data plus a function that lays
//! the same data out as tables; JSON and YAML never see the tables, so the
//! machine formats carry every field even when a table leaves some out.
//! Status lines and summaries go to stderr (`Printer::status`).

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use comfy_table::{Attribute, Cell, ContentArrangement, Table as Comfy, presets};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum OutputFormat {
    #[default]
    Table,
    Json,
    Yaml,
}

/// One table of a table-format rendering.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer {
    pub format: OutputFormat,
    color: bool,
}

impl Printer {
    pub(crate) fn new(format: OutputFormat) -> Self {
        let color =
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { format, color }
    }

    /// Whether output is for machines (json/yaml).
    pub(crate) fn is_structured(&self) -> bool {
        self.format != OutputFormat::Table
    }

    /// Writes `data` in the chosen format; `tables` lays it out for the
    /// table format (tables are separated by a blank line).
    pub(crate) fn emit<T: Serialize + ?Sized>(
        &self,
        data: &T,
        tables: impl FnOnce(&T) -> Vec<Table>,
    ) -> anyhow::Result<()> {
        let text = match self.format {
            OutputFormat::Json => {
                let mut text = serde_json::to_string_pretty(data)?;
                text.push('\n');
                text
            }
            OutputFormat::Yaml => serde_norway::to_string(data)?,
            OutputFormat::Table => tables(data)
                .iter()
                .filter(|t| !t.rows.is_empty())
                .map(|t| self.render(t))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// A line for people on stderr (progress, summaries, confirmations of
    /// what was done); never part of the data on stdout.
    pub(crate) fn status(&self, line: impl AsRef<str>) {
        let mut err = io::stderr().lock();
        // Nothing useful can be done if stderr is gone.
        let _ = writeln!(err, "{}", line.as_ref());
    }

    fn render(&self, table: &Table) -> String {
        let mut comfy = Comfy::new();
        comfy
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
        if self.color {
            comfy.enforce_styling();
        } else {
            comfy.force_no_tty();
        }
        comfy.set_header(table.headers.iter().map(|h| {
            let cell = Cell::new(h);
            if self.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &table.rows {
            comfy.add_row(row);
        }
        for column in comfy.column_iter_mut() {
            // Two spaces between columns and none before the first, like
            // kubectl, so `awk '{print $1}'` sees the first column.
            column.set_padding((0, 2));
        }
        let mut text = String::new();
        for line in comfy.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// Records streamed to stdout as they arrive (`consume`): buffered, and
/// flushed by the caller after each batch so a pipe sees them promptly.
pub(crate) struct RecordOut {
    out: io::BufWriter<io::Stdout>,
}

impl RecordOut {
    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Printer {
    /// Where streamed records go. JSON records are single lines here, not
    /// the pretty-printed document of `emit`, so they can be piped.
    pub(crate) fn records(&self) -> RecordOut {
        RecordOut {
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
        }
    }
}

/// `a,b,c` for lists in table cells.
pub(crate) fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A cell for an optional value: `-` when absent.
pub(crate) fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_aligned_borderless_and_trimmed() {
        let printer = Printer {
            format: OutputFormat::Table,
            color: false,
        };
        let mut table = Table::new(&["NAME", "PARTITIONS"]);
        table.row(vec!["orders".into(), "3".into()]);
        table.row(vec!["a".into(), "12".into()]);
        let text = printer.render(&table);
        assert_eq!(text, "NAME    PARTITIONS\norders  3\na       12\n");
    }
}
