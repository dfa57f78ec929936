//! GeoReport v2's XML: the JSON document with each list's items as repeated elements named in
//! the singular (`services` → `service`), text escaped.

use serde_json::Value;

/// The element name of one item of the list `name`.
fn singular(name: &str) -> &str {
    match name {
        "services" => "service",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "errors" => "error",
        "service_requests" => "request",
        other => other,
    }
}

pub(super) fn document(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    element(&mut out, root, value);
    out.push('\n');
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    out.push_str(&format!("<{name}>"));
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                element(out, key, field);
            }
        }
        Value::Array(items) => {
            for item in items {
                element(out, singular(name), item);
            }
        }
        Value::Null => {}
        Value::String(text) => out.push_str(&escape(text)),
        other => out.push_str(&other.to_string()),
    }
    out.push_str(&format!("</{name}>"));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_become_repeated_singular_elements() {
        let xml = document(
            "services",
            &json!([{ "service_code": "lift", "service_name": "Lifts & <stairs>", "metadata": true }]),
        );
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><metadata>true</metadata>\
             <service_code>lift</service_code><service_name>Lifts &amp; &lt;stairs&gt;</service_name>\
             </service></services>\n"
        );
    }
}
