//! CSV as spreadsheets read it (RFC 4180): comma-separated, quoted when needed, CRLF line
//! ends. Lists are joined with `;`; null is an empty cell. A text cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`
//! (OWASP's advice against CSV injection); numbers are written as they are.

use serde_json::Value;

pub(super) fn header(columns: &[&str]) -> Vec<u8> {
    let cells: Vec<Value> = columns.iter().map(|c| Value::String((*c).into())).collect();
    row(&cells)
}

pub(super) fn row(cells: &[Value]) -> Vec<u8> {
    let mut line = cells.iter().map(cell).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line.into_bytes()
}

fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => return n.to_string(),
        Value::String(s) => defused(s),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";"),
        Value::Object(_) => value.to_string(),
    };
    quoted(&text)
}

fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(cells: Value, expect: &str) {
        let cells = cells.as_array().cloned().unwrap_or_default();
        assert_eq!(String::from_utf8(row(&cells)).ok().as_deref(), Some(expect));
    }

    #[test]
    fn cells_are_quoted_and_defused() {
        check(json!(["a", 1, null, true]), "a,1,,true\r\n");
        check(
            json!(["a,b", "say \"hi\"", "two\nlines"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n",
        );
        check(
            json!(["=SUM(A1)", "-3", -3, "@x"]),
            "'=SUM(A1),'-3,-3,'@x\r\n",
        );
        check(json!([["b1", "b2"], []]), "b1;b2,\r\n");
        check(json!([0.25]), "0.25\r\n");
    }
}
