//! The copy of a terminal's screen that a session keeps for whoever
//! attaches later (a guest, a reload): a `vt100` grid while output flows,
//! and, once the terminal rests, only the escape sequences that redraw it.
//!
//! A grid costs 32 bytes a cell: 61 KB at 80×24, 320 KB at 200×50 (a
//! full-window browser terminal), more than the 300 KiB a terminal may take
//! in all (issue 15). Most open terminals sit at a prompt, so a quiet one
//! keeps `state_formatted()` (a few KB) and drops its grid; its next output
//! rebuilds the grid from those bytes first. A screen on the alternate grid
//! (a full-screen program: vim, less, top) stays a grid: the primary screen
//! behind it would be lost. What a rebuilt grid forgets is what `vt100`
//! does not expose: a scroll region set by a program, and an escape
//! sequence cut in the middle by the pause.

use bytes::Bytes;

/// The copy of one terminal's screen.
pub struct Screen {
    rows: u16,
    cols: u16,
    state: State,
}

enum State {
    /// Output is flowing: the grid itself.
    Live(Box<vt100::Parser>),
    /// Quiet: the bytes that redraw it (contents, attributes, cursor, input
    /// modes).
    Resting(Bytes),
}

impl Screen {
    /// A blank screen of `rows`×`cols` (each at least 2: `vt100` panics
    /// writing a wide character on a screen one column wide; the PTY itself
    /// keeps the size it was given).
    pub fn new(rows: u16, cols: u16) -> Screen {
        let (rows, cols) = (rows.max(2), cols.max(2));
        let blank = vt100::Parser::new(rows, cols, 0).screen().state_formatted();
        Screen { rows, cols, state: State::Resting(Bytes::from(blank)) }
    }

    /// Takes output from the terminal (a resting screen is first rebuilt
    /// from what redraws it).
    pub fn process(&mut self, output: &[u8]) {
        let mut parser = match std::mem::replace(&mut self.state, State::Resting(Bytes::new())) {
            State::Live(parser) => parser,
            State::Resting(drawn) => {
                let mut parser = Box::new(vt100::Parser::new(self.rows, self.cols, 0));
                parser.process(&drawn);
                parser
            }
        };
        parser.process(output);
        self.state = State::Live(parser);
    }

    /// What redraws this screen on a blank terminal.
    pub fn snapshot(&self) -> Bytes {
        match &self.state {
            State::Live(parser) => Bytes::from(parser.screen().state_formatted()),
            State::Resting(drawn) => drawn.clone(),
        }
    }

    /// The PTY changed size. The screen rests and is redrawn at the new
    /// size when it next changes (the program redraws on SIGWINCH anyway):
    /// resizing a grid in place also allocates its alternate screen, twice
    /// the memory. Only a full-screen program's grid is resized in place.
    pub fn set_size(&mut self, rows: u16, cols: u16) {
        self.rest();
        (self.rows, self.cols) = (rows.max(2), cols.max(2));
        if let State::Live(parser) = &mut self.state {
            parser.screen_mut().set_size(self.rows, self.cols);
        }
    }

    /// The terminal is quiet: keep only what redraws it, unless a
    /// full-screen program holds the alternate screen.
    pub fn rest(&mut self) {
        if let State::Live(parser) = &self.state
            && !parser.screen().alternate_screen()
        {
            self.state = State::Resting(self.snapshot());
        }
    }

    /// Whether the screen holds a grid now.
    pub fn is_live(&self) -> bool {
        matches!(self.state, State::Live(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(screen: &Screen) -> String {
        let mut copy = vt100::Parser::new(screen.rows, screen.cols, 0);
        copy.process(&screen.snapshot());
        copy.screen().contents()
    }

    #[test]
    fn a_rested_screen_redraws_what_the_live_one_showed_and_takes_more_output() {
        let mut screen = Screen::new(5, 20);
        screen.process(b"\x1b[1mbold\x1b[0m line\r\n$ ");
        let live = contents(&screen);
        screen.rest();
        assert!(!screen.is_live());
        assert_eq!(contents(&screen), live);
        screen.process(b"echo hi\r\nhi\r\n$ ");
        assert!(screen.is_live());
        assert_eq!(contents(&screen), "bold line\n$ echo hi\nhi\n$ ");
    }

    #[test]
    fn a_full_screen_program_keeps_its_grid_and_the_shell_screen_behind_it() {
        let mut screen = Screen::new(5, 20);
        screen.process(b"$ vim\r\n");
        screen.process(b"\x1b[?1049h\x1b[2J\x1b[Hediting");
        screen.rest();
        assert!(screen.is_live(), "the alternate screen stays a grid");
        screen.process(b"\x1b[?1049l");
        assert_eq!(contents(&screen), "$ vim");
    }

    #[test]
    fn a_one_column_terminal_keeps_a_screen_that_takes_wide_characters() {
        let mut screen = Screen::new(1, 1);
        screen.process("漢字 and more".as_bytes());
        screen.rest();
        screen.set_size(1, 1);
        screen.process("漢".as_bytes());
        assert_eq!((screen.rows, screen.cols), (2, 2));
    }

    #[test]
    fn a_resting_screen_is_rebuilt_at_the_size_it_was_given_since() {
        let mut screen = Screen::new(24, 80);
        screen.process(b"$ ");
        screen.rest();
        screen.set_size(50, 200);
        screen.process(b"x");
        let State::Live(parser) = &screen.state else { panic!("live after output") };
        assert_eq!(parser.screen().size(), (50, 200));
    }
}
