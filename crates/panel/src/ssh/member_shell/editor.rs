//! The member shell's line editor over a PTY channel: a state machine fed
//! one byte at a time, answering what to echo and what happened (a line
//! entered, Tab, Ctrl-D on an empty line). Printable ASCII is typed;
//! Backspace/DEL erase; Ctrl-C drops the line; Ctrl-U erases it; Ctrl-L
//! redraws; escape sequences (arrows, function keys) are swallowed whole.
//! A line is at most `MAX_LINE` bytes.

use super::grammar::Completion;

/// The longest line.
pub const MAX_LINE: usize = 512;
/// The prompt.
pub const PROMPT: &str = "smp> ";
/// Bytes of one escape sequence beyond which it is given up (and dropped).
const MAX_ESCAPE: usize = 32;
const BELL: &[u8] = b"\x07";

/// What a key did besides its echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Enter: the line (the prompt is not shown again until `prompt()`).
    Line(String),
    /// Tab; `again` when the key before was Tab too (then several matches are listed).
    Tab { again: bool },
    /// Ctrl-D on an empty line.
    Quit,
}

/// One key's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    pub echo: Vec<u8>,
    pub event: Option<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    /// After ESC.
    Started,
    /// After `ESC [`: until a final byte (0x40–0x7e).
    Csi(usize),
    /// After `ESC O`: one more byte.
    Ss3,
}

/// The line being typed.
#[derive(Debug, Clone)]
pub struct LineEditor {
    line: String,
    escape: Escape,
    last_was_tab: bool,
    last_was_cr: bool,
}

impl Default for LineEditor {
    fn default() -> LineEditor {
        LineEditor::new()
    }
}

impl LineEditor {
    pub fn new() -> LineEditor {
        LineEditor { line: String::new(), escape: Escape::None, last_was_tab: false, last_was_cr: false }
    }

    /// The line typed so far.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The prompt and the line typed so far (after output, or a new prompt).
    pub fn prompt(&self) -> Vec<u8> {
        format!("{PROMPT}{}", self.line).into_bytes()
    }

    /// Feeds one byte.
    pub fn key(&mut self, byte: u8) -> Step {
        let was_tab = std::mem::replace(&mut self.last_was_tab, false);
        let was_cr = std::mem::replace(&mut self.last_was_cr, false);
        match self.escape {
            Escape::None => {}
            Escape::Started => {
                self.escape = match byte {
                    b'[' => Escape::Csi(0),
                    b'O' => Escape::Ss3,
                    _ => Escape::None, // Alt-<key>: both dropped.
                };
                return Step::default();
            }
            Escape::Csi(length) => {
                self.escape = if (0x40..=0x7e).contains(&byte) || length >= MAX_ESCAPE {
                    Escape::None
                } else {
                    Escape::Csi(length + 1)
                };
                return Step::default();
            }
            Escape::Ss3 => {
                self.escape = Escape::None;
                return Step::default();
            }
        }
        match byte {
            b'\r' | b'\n' => {
                if byte == b'\n' && was_cr {
                    return Step::default(); // CR LF is one Enter.
                }
                self.last_was_cr = byte == b'\r';
                let line = std::mem::take(&mut self.line);
                Step { echo: b"\r\n".to_vec(), event: Some(Event::Line(line)) }
            }
            0x20..=0x7e => {
                if self.line.len() >= MAX_LINE {
                    return Step { echo: BELL.to_vec(), event: None };
                }
                self.line.push(char::from(byte));
                Step { echo: vec![byte], event: None }
            }
            0x7f | 0x08 => match self.line.pop() {
                Some(_) => Step { echo: b"\x08 \x08".to_vec(), event: None },
                None => Step::default(),
            },
            b'\t' => {
                self.last_was_tab = true;
                Step { echo: Vec::new(), event: Some(Event::Tab { again: was_tab }) }
            }
            0x03 => {
                self.line.clear();
                let mut echo = b"^C\r\n".to_vec();
                echo.extend(self.prompt());
                Step { echo, event: None }
            }
            0x15 => {
                self.line.clear();
                let mut echo = b"\r\x1b[K".to_vec();
                echo.extend(self.prompt());
                Step { echo, event: None }
            }
            0x0c => {
                let mut echo = b"\x1b[H\x1b[2J".to_vec();
                echo.extend(self.prompt());
                Step { echo, event: None }
            }
            0x04 if self.line.is_empty() => Step { echo: b"\r\n".to_vec(), event: Some(Event::Quit) },
            0x1b => {
                self.escape = Escape::Started;
                Step::default()
            }
            _ => Step::default(),
        }
    }

    /// Applies Tab's `completion`: types what it inserts; lists several
    /// choices when Tab was pressed twice (`again`), rings the bell otherwise.
    pub fn complete(&mut self, completion: &Completion, again: bool) -> Vec<u8> {
        match completion {
            Completion::Nothing => BELL.to_vec(),
            Completion::Insert(text) => {
                let mut echo = Vec::new();
                for byte in text.bytes() {
                    echo.extend(self.key(byte).echo);
                }
                // Typing the completion is not a key: the next Tab is a first one.
                self.last_was_tab = false;
                echo
            }
            Completion::Choices(choices) if again => {
                let mut echo = format!("\r\n{}\r\n", choices.join("  ")).into_bytes();
                echo.extend(self.prompt());
                self.last_was_tab = true;
                echo
            }
            Completion::Choices(_) => {
                self.last_was_tab = true;
                BELL.to_vec()
            }
        }
    }
}

/// Lines of a script (no PTY): bytes in, whole lines out, each at most
/// `MAX_LINE` bytes (a longer one is answered `Err` once and skipped to
/// its end); CR before LF is dropped.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    partial: Vec<u8>,
    too_long: bool,
}

impl Lines {
    /// Feeds `bytes`: the lines they end.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<String, ()>> {
        let mut lines = Vec::new();
        for byte in bytes {
            if *byte == b'\n' {
                lines.push(self.take());
            } else if self.partial.len() < MAX_LINE {
                self.partial.push(*byte);
            } else {
                self.too_long = true;
            }
        }
        lines
    }

    /// At the end of the input: the last line, if it has no newline.
    pub fn finish(&mut self) -> Option<Result<String, ()>> {
        (!self.partial.is_empty() || self.too_long).then(|| self.take())
    }

    fn take(&mut self) -> Result<String, ()> {
        let mut line = std::mem::take(&mut self.partial);
        if std::mem::take(&mut self.too_long) {
            return Err(());
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `bytes`: the echo and the events.
    fn feed(editor: &mut LineEditor, bytes: &[u8]) -> (String, Vec<Event>) {
        let mut echo = Vec::new();
        let mut events = Vec::new();
        for byte in bytes {
            let step = editor.key(*byte);
            echo.extend(step.echo);
            events.extend(step.event);
        }
        (String::from_utf8(echo).unwrap(), events)
    }

    #[test]
    fn typed_characters_are_echoed_and_enter_gives_the_line_once_for_cr_lf() {
        let mut editor = LineEditor::new();
        let (echo, events) = feed(&mut editor, b"list\r\n");
        assert_eq!(echo, "list\r\n");
        assert_eq!(events, vec![Event::Line("list".into())]);
        let (_, events) = feed(&mut editor, b"help\nstatus\r");
        assert_eq!(events, vec![Event::Line("help".into()), Event::Line("status".into())]);
        let (_, events) = feed(&mut editor, b"\r\r");
        assert_eq!(events, vec![Event::Line(String::new()), Event::Line(String::new())], "two Enters are two lines");
    }

    #[test]
    fn backspace_ctrl_c_and_ctrl_u_edit_the_line() {
        let mut editor = LineEditor::new();
        let (echo, _) = feed(&mut editor, b"lisx\x7f\x08");
        assert_eq!((echo.as_str(), editor.line()), ("lisx\x08 \x08\x08 \x08", "li"));
        let (echo, _) = feed(&mut editor, b"\x7f\x7f\x7f");
        assert_eq!((echo.as_str(), editor.line()), ("\x08 \x08\x08 \x08", ""), "nothing to erase: nothing echoed");
        let (echo, events) = feed(&mut editor, b"stop c1\x03");
        assert_eq!((echo.as_str(), editor.line()), ("stop c1^C\r\nsmp> ", ""));
        assert!(events.is_empty(), "Ctrl-C runs nothing");
        let (echo, _) = feed(&mut editor, b"reset\x15li");
        assert_eq!((echo.as_str(), editor.line()), ("reset\r\x1b[Ksmp> li", "li"));
    }

    #[test]
    fn ctrl_d_quits_only_on_an_empty_line() {
        let mut editor = LineEditor::new();
        let (_, events) = feed(&mut editor, b"ls\x04");
        assert!(events.is_empty());
        let (_, events) = feed(&mut editor, b"\x15\x04");
        assert_eq!(events, vec![Event::Quit]);
    }

    #[test]
    fn arrow_keys_and_other_escape_sequences_are_swallowed_without_garbling_the_line() {
        let mut editor = LineEditor::new();
        // Up, Left, F5 (CSI 15~), F1 (SS3 P), Alt-x, then typing.
        let (echo, events) = feed(&mut editor, b"st\x1b[A\x1b[D\x1b[15~\x1bOP\x1bxop\r");
        assert_eq!(echo, "stop\r\n");
        assert_eq!(events, vec![Event::Line("stop".into())]);
        // A sequence that never ends is given up after a bound.
        let mut endless = b"\x1b[".to_vec();
        endless.extend(std::iter::repeat_n(b'1', 100));
        let (echo, _) = feed(&mut editor, &endless);
        assert!(echo.len() < 100, "at most the tail past the bound is typed: {echo:?}");
        // Bytes beyond ASCII and control characters are ignored.
        let mut editor = LineEditor::new();
        let (echo, _) = feed(&mut editor, "é\x01\x02ok".as_bytes());
        assert_eq!((echo.as_str(), editor.line()), ("ok", "ok"));
    }

    #[test]
    fn a_line_is_bounded_and_the_extra_bytes_ring_the_bell() {
        let mut editor = LineEditor::new();
        let (echo, _) = feed(&mut editor, &[b'a'; MAX_LINE + 10]);
        assert_eq!(editor.line().len(), MAX_LINE);
        assert_eq!(echo.matches('\x07').count(), 10);
    }

    #[test]
    fn tab_inserts_a_completion_and_a_second_tab_lists_the_choices() {
        let mut editor = LineEditor::new();
        let (_, events) = feed(&mut editor, b"restart c\t");
        assert_eq!(events, vec![Event::Tab { again: false }]);
        let echo = editor.complete(&Completion::Insert("1 ".into()), false);
        assert_eq!((echo.as_slice(), editor.line()), (b"1 ".as_slice(), "restart c1 "));
        let mut editor = LineEditor::new();
        let choices = Completion::Choices(vec!["start".into(), "status".into()]);
        let (_, events) = feed(&mut editor, b"st\t");
        assert_eq!(events, vec![Event::Tab { again: false }]);
        assert_eq!(editor.complete(&choices, false), b"\x07");
        let (_, events) = feed(&mut editor, b"\t");
        assert_eq!(events, vec![Event::Tab { again: true }]);
        assert_eq!(editor.complete(&choices, true), b"\r\nstart  status\r\nsmp> st");
        let (_, events) = feed(&mut editor, b"a\t");
        assert_eq!(events, vec![Event::Tab { again: false }], "a key between two Tabs makes the next a first one");
    }

    #[test]
    fn a_script_is_cut_into_bounded_lines_across_reads() {
        let mut lines = Lines::default();
        assert_eq!(lines.feed(b"li"), vec![]);
        assert_eq!(lines.feed(b"st\r\nstatus c1\nres"), vec![Ok("list".into()), Ok("status c1".into())]);
        assert_eq!(lines.finish(), Some(Ok("res".into())));
        assert_eq!(lines.finish(), None);
        let mut long = vec![b'a'; MAX_LINE + 1];
        long.extend(b"\nhelp\n");
        assert_eq!(lines.feed(&long), vec![Err(()), Ok("help".into())]);
    }
}
