//! Colour on or off, decided once: `--color`, then `NO_COLOR`, then whether stdout is a terminal.

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How to paint text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Decides from the user's choice, `NO_COLOR` (any non-empty value) and the terminal.
    pub fn decide(choice: ColorChoice, no_color_env: Option<&str>, is_terminal: bool) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => no_color_env.is_none_or(str::is_empty) && is_terminal,
        };
        Style { color }
    }

    pub const PLAIN: Style = Style { color: false };

    pub fn red(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("1;33", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn blue(&self, s: &str) -> String {
        self.paint("1;34", s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_over_a_terminal_but_not_over_always() {
        assert!(!Style::decide(ColorChoice::Auto, Some("1"), true).color);
        assert!(Style::decide(ColorChoice::Auto, Some(""), true).color);
        assert!(Style::decide(ColorChoice::Always, Some("1"), false).color);
        assert!(!Style::decide(ColorChoice::Auto, None, false).color);
        assert!(!Style::decide(ColorChoice::Never, None, true).color);
    }
}
