//! YAML as the Kattis format uses it: a tree of plain values where every node remembers its
//! line, so that a message can say `problem.yaml: line 4: ...` about a value that parsed but
//! makes no sense, not only about a syntax error.

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// 1-based.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order, each with the line it is on.
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub line: usize,
}

/// A syntax error: the line it is on and what is wrong.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// Parses one document; an empty document is an empty map (as an empty `testdata.yaml` means
/// "no settings").
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let documents = MarkedYamlOwned::load_from_str(text).map_err(|err| SyntaxError {
        line: err.marker().line(),
        message: err.info().to_owned(),
    })?;
    let mut documents = documents.into_iter();
    let Some(first) = documents.next() else {
        return Ok(Node {
            line: 1,
            value: Value::Map(Vec::new()),
        });
    };
    if let Some(second) = documents.next() {
        return Err(SyntaxError {
            line: second.span.start.line(),
            message: "more than one YAML document".to_owned(),
        });
    }
    let node = convert(first)?;
    Ok(match node.value {
        Value::Null => Node {
            line: node.line,
            value: Value::Map(Vec::new()),
        },
        _ => node,
    })
}

fn convert(node: MarkedYamlOwned) -> Result<Node, SyntaxError> {
    let line = node.span.start.line().max(1);
    let value = match node.data {
        YamlDataOwned::Value(scalar) => scalar_value(scalar),
        YamlDataOwned::Representation(text, _, _) => Value::Str(text),
        YamlDataOwned::Sequence(items) => {
            Value::Seq(items.into_iter().map(convert).collect::<Result<_, _>>()?)
        }
        YamlDataOwned::Mapping(entries) => {
            let mut map = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key_line = key.span.start.line().max(1);
                let name = match convert(key)?.value {
                    Value::Str(text) => text,
                    Value::Int(number) => number.to_string(),
                    Value::Float(number) => number.to_string(),
                    Value::Bool(flag) => flag.to_string(),
                    Value::Null => String::new(),
                    Value::Seq(_) | Value::Map(_) => {
                        return Err(SyntaxError {
                            line: key_line,
                            message: "a key must be a plain value".to_owned(),
                        });
                    }
                };
                map.push((
                    Key {
                        name,
                        line: key_line,
                    },
                    convert(value)?,
                ));
            }
            Value::Map(map)
        }
        YamlDataOwned::Tagged(_, inner) => return convert(*inner),
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => {
            return Err(SyntaxError {
                line,
                message: "a value this reader cannot represent (a bad tag or alias)".to_owned(),
            });
        }
    };
    Ok(Node { line, value })
}

fn scalar_value(scalar: ScalarOwned) -> Value {
    match scalar {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(flag) => Value::Bool(flag),
        ScalarOwned::Integer(number) => Value::Int(number),
        ScalarOwned::FloatingPoint(number) => Value::Float(number.into_inner()),
        ScalarOwned::String(text) => Value::Str(text),
    }
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// A scalar as text (`name: 1984` is the name "1984").
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(text) => Some(text.clone()),
            Value::Int(number) => Some(number.to_string()),
            Value::Float(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A number, also from a string that spells one (`"2.5"`, `inf`).
    pub fn number(&self) -> Option<f64> {
        match &self.value {
            Value::Int(number) => Some(*number as f64),
            Value::Float(number) => Some(*number),
            Value::Str(text) => parse_number(text),
            _ => None,
        }
    }

    /// A boolean; YAML 1.1 spellings (`yes`, `no`) too, as PyYAML-written packages use them.
    pub fn boolean(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(flag) => Some(*flag),
            Value::Str(text) => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Words: a list of scalars, or one string split on whitespace (how flags are written in
    /// legacy packages).
    pub fn words(&self) -> Option<Vec<String>> {
        match &self.value {
            Value::Null => Some(Vec::new()),
            Value::Str(text) => Some(text.split_whitespace().map(str::to_owned).collect()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                self.scalar_text().map(|text| vec![text])
            }
            Value::Seq(items) => items.iter().map(Node::scalar_text).collect(),
            Value::Map(_) => None,
        }
    }

    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
}

/// A float as the Kattis formats write them, with `inf` spelled any common way.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | ".inf" | "+.inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-.inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | ".nan" => None,
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_values() {
        let node = parse("name: Hello\nlimits:\n  memory: 512\n  time_limit: 1.5\nflag: yes\n")
            .expect("parses");
        let entries = node.entries().expect("a map");
        assert_eq!(entries[0].0.name, "name");
        assert_eq!(entries[0].1.value, Value::Str("Hello".into()));
        assert_eq!(entries[1].0.line, 2);
        let limits = entries[1].1.entries().expect("a map");
        assert_eq!(limits[0].1.value, Value::Int(512));
        assert_eq!(limits[1].1.line, 4);
        assert_eq!(limits[1].1.number(), Some(1.5));
        assert_eq!(entries[2].1.boolean(), Some(true));
    }

    #[test]
    fn syntax_error_has_line() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").expect_err("malformed");
        assert!(err.line >= 2, "{err:?}");
    }

    #[test]
    fn empty_is_empty_map() {
        assert_eq!(
            parse("# only a comment\n").expect("parses").value,
            Value::Map(Vec::new())
        );
    }

    #[test]
    fn version_strings_stay_strings() {
        let node = parse("problem_format_version: 2023-07-draft\nv: 2023-07\n").expect("parses");
        let entries = node.entries().expect("a map");
        assert_eq!(entries[0].1.value, Value::Str("2023-07-draft".into()));
        assert_eq!(entries[1].1.value, Value::Str("2023-07".into()));
    }
}
