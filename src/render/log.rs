//! Reports as log events, for `--log-format json`: a configuration's problems one event each
//! with their place as fields, and a command's stderr text one event per block. The CLI picks
//! the format and installs the subscriber; this only emits.

/// A configuration's problems as log events, one per problem with its place as fields.
pub fn diagnostics(report: &crate::config::Report) {
    use crate::model::rules::Severity;
    // One call site per level: tracing fixes an event's level where it is written.
    macro_rules! place {
        ($event:ident, $d:expr) => {
            tracing::$event!(
                file = %$d.file.display(),
                line = $d.line,
                column = $d.column,
                path = $d.path,
                help = $d.help.as_deref(),
                "{}",
                crate::render::clip_values(&$d.message)
            )
        };
    }
    for d in &report.diagnostics {
        match d.severity {
            Severity::Error => place!(error, d),
            Severity::Warning => place!(warn, d),
        }
    }
}

/// The report meant for stderr as log events: each block (a line and the indented lines under
/// it) one event, at the level its first word says.
pub fn report(text: &str) {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        // Excerpts (`12 |   name: x`) and indented help belong to the line above.
        let continues = !line.starts_with(|c: char| c.is_ascii_alphabetic());
        match blocks.last_mut() {
            Some(b) if continues => {
                b.push('\n');
                b.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    for block in blocks {
        let block = block.trim_end();
        if let Some(m) = block.strip_prefix("error: ") {
            tracing::error!("{m}");
        } else if let Some(m) = block.strip_prefix("warning: ") {
            tracing::warn!("{m}");
        } else {
            tracing::info!("{block}");
        }
    }
}

/// Log output on stderr with the store's secrets scrubbed from each event.
pub struct ScrubbedStderr(pub std::sync::Arc<Vec<String>>);

impl std::io::Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::Write::write_all(
            &mut std::io::stderr(),
            crate::store::scrub(&text, &self.0).as_bytes(),
        )?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut std::io::stderr())
    }
}
