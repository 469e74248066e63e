//! A map from field paths (`spec.waves[1].groups[0]`) to where they stand in the YAML text,
//! built from yaml-rust2's marked events, so that problems found after deserialization (unknown
//! group, cycle, bad tag) can name a line and column.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Line and column (both 1-based).
pub type Position = (usize, usize);

/// Positions of one document's fields, plus its top-level scalar header fields.
#[derive(Debug, Default)]
pub struct DocumentIndex {
    /// Path → position of the value (or of the key when the value has none).
    pub positions: HashMap<String, Position>,
    /// Position of the document's first node.
    pub start: Option<Position>,
    /// Top-level `kind`.
    pub kind: Option<String>,
    /// Top-level `apiVersion`.
    pub api_version: Option<String>,
}

impl DocumentIndex {
    /// Where `path` is, or failing that its nearest recorded parent.
    pub fn locate(&self, path: &str) -> Option<Position> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
            if p.is_empty() {
                return self.start;
            }
        }
    }
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, next: usize },
}

#[derive(Default)]
struct Builder {
    docs: Vec<DocumentIndex>,
    stack: Vec<Frame>,
}

fn child(parent: &str, segment: &str) -> String {
    crate::validation::join_path(parent, segment)
}

impl Builder {
    /// The path of the node that starts now, and whether it is a mapping key.
    fn next_path(&mut self) -> (Option<String>, bool) {
        match self.stack.last_mut() {
            None => (Some(String::new()), false),
            Some(Frame::Sequence { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                (Some(p), false)
            }
            Some(Frame::Mapping { path, key }) => match key.take() {
                None => (None, true),
                Some(k) => (Some(child(path, &k)), false),
            },
        }
    }

    fn record(&mut self, path: &str, mark: Marker) {
        if let Some(doc) = self.docs.last_mut() {
            let pos = (mark.line(), mark.col() + 1);
            if doc.start.is_none() {
                doc.start = Some(pos);
            }
            doc.positions.insert(path.to_string(), pos);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentStart => {
                self.docs.push(DocumentIndex::default());
                self.stack.clear();
            }
            Event::Scalar(value, ..) => {
                let (path, is_key) = self.next_path();
                if is_key {
                    if let Some(Frame::Mapping { path, key }) = self.stack.last_mut() {
                        let full = child(path, &value);
                        *key = Some(value);
                        self.record(&full, mark);
                    }
                } else if let Some(path) = path {
                    if let Some(doc) = self.docs.last_mut() {
                        match path.as_str() {
                            "kind" => doc.kind = Some(value),
                            "apiVersion" => doc.api_version = Some(value),
                            _ => {}
                        }
                    }
                    self.record(&path, mark);
                }
            }
            Event::Alias(_) => {
                if let (Some(path), false) = self.next_path() {
                    self.record(&path, mark);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (path, is_key) = self.next_path();
                // A mapping or sequence used as a mapping key: give it a placeholder name.
                let path = match (path, is_key) {
                    (Some(p), _) => p,
                    (None, _) => {
                        if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                            *key = Some("?".into());
                        }
                        "?".into()
                    }
                };
                self.record(&path, mark);
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Mapping { path, key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the scanner said.
    pub message: String,
    /// Where.
    pub position: Position,
}

/// The deepest column a block node may start at. YAML nests block collections by indenting them
/// further (or by compact `- - ` indicators, two columns each), and the parsers recurse once per
/// level: a text nested past this is refused before any parser sees it, instead of overflowing
/// the stack. Real plans nest a handful of levels.
pub const MAX_BLOCK_COLUMN: usize = 256;

/// Refuses text whose block nesting goes deeper than [`MAX_BLOCK_COLUMN`], naming the line.
pub fn check_nesting(text: &str) -> Result<(), SyntaxError> {
    for (n, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        let mut col = 0;
        loop {
            match bytes.get(col) {
                Some(b' ') => col += 1,
                // A block indicator followed by a space or a tab opens a nested node.
                Some(b'-' | b'?' | b':') if matches!(bytes.get(col + 1), Some(b' ' | b'\t')) => {
                    col += 2
                }
                _ => break,
            }
            if col > MAX_BLOCK_COLUMN {
                return Err(SyntaxError {
                    message: format!(
                        "nested too deeply (a block node past column {MAX_BLOCK_COLUMN}); this is not a plan, group or scenario the app can read"
                    ),
                    position: (n + 1, col),
                });
            }
        }
    }
    Ok(())
}

/// Indexes every document of a YAML stream.
pub fn index_documents(text: &str) -> Result<Vec<DocumentIndex>, SyntaxError> {
    check_nesting(text)?;
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        message: e.info().to_string(),
        position: (e.marker().line(), e.marker().col() + 1),
    })?;
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_block_nesting_is_refused_before_any_parser_recurses() {
        let deep = format!("waves:\n  {}x\n", "- ".repeat(60_000));
        let err = index_documents(&deep).unwrap_err();
        assert_eq!(err.position.0, 2);
        assert!(err.message.contains("nested too deeply"), "{}", err.message);
        let deep = format!("a:\n{}b: 1\n", " ".repeat(300));
        assert!(index_documents(&deep).is_err());
        let fine = "kind: RecoveryPlan\nspec:\n  waves:\n    - - - - name: db\n";
        assert!(check_nesting(fine).is_ok());
    }

    #[test]
    fn paths_and_positions() {
        let text = "kind: RecoveryPlan\nspec:\n  waves:\n    - name: db\n      groups: [a, b]\n";
        let docs = index_documents(text).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d.kind.as_deref(), Some("RecoveryPlan"));
        assert_eq!(d.positions["spec.waves[0].name"], (4, 13));
        assert_eq!(d.positions["spec.waves[0].groups[1]"], (5, 19));
        assert_eq!(d.locate("spec.waves[0].dependsOn[3]").map(|p| p.0), Some(4));
    }

    #[test]
    fn several_documents() {
        let docs = index_documents("kind: A\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].positions["kind"], (3, 7));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = index_documents("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.position.0 >= 1);
    }
}
