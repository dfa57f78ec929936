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

    /// An element: its name, its text, its children (no attributes: GeoReport v2 uses none).
    #[derive(Debug, PartialEq, Eq, Clone)]
    struct Element {
        name: String,
        text: String,
        children: Vec<Element>,
    }

    /// Reads the XML this module writes and the spec's examples (elements, text, the five
    /// entities, an optional prolog, whitespace between elements).
    fn parse(xml: &str) -> Element {
        let mut rest = xml.trim();
        if let Some(after) = rest.strip_prefix("<?xml") {
            rest = after
                .split_once("?>")
                .expect("a closed prolog")
                .1
                .trim_start();
        }
        let (element, rest) = element_of(rest);
        assert!(rest.trim().is_empty(), "trailing {rest:?}");
        element
    }

    fn element_of(xml: &str) -> (Element, &str) {
        let xml = xml.trim_start();
        let open = xml.strip_prefix('<').expect("an element");
        let (tag, mut rest) = open.split_once('>').expect("a closed tag");
        if let Some(name) = tag.strip_suffix('/') {
            let element = Element {
                name: name.trim().into(),
                text: String::new(),
                children: vec![],
            };
            return (element, rest);
        }
        let mut element = Element {
            name: tag.into(),
            text: String::new(),
            children: vec![],
        };
        loop {
            let close = format!("</{tag}>");
            if let Some(after) = rest.trim_start().strip_prefix(&close) {
                if element.children.is_empty() {
                    let end = rest.find(&close).expect("the close tag");
                    element.text = unescape(&rest[..end]).trim().to_string();
                }
                return (element, after);
            }
            if rest.trim_start().starts_with('<') {
                let (child, after) = element_of(rest);
                element.children.push(child);
                rest = after;
            } else {
                let end = rest.find('<').expect("a close tag after text");
                element.text = unescape(&rest[..end]).trim().to_string();
                rest = &rest[end..];
            }
        }
    }

    fn unescape(text: &str) -> String {
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    /// Order-free where order means nothing: an element's fields (children of distinct names)
    /// sorted by name; a list's items (children of one repeated name) kept in order.
    fn canonical(mut element: Element) -> Element {
        element.children = element.children.into_iter().map(canonical).collect();
        let names: std::collections::BTreeSet<&str> =
            element.children.iter().map(|c| c.name.as_str()).collect();
        if names.len() == element.children.len() {
            element.children.sort_by(|a, b| a.name.cmp(&b.name));
        }
        element
    }

    /// The spec's JSON example written as XML reads as the spec's XML example.
    fn check(root: &str, spec_json: &str, spec_xml: &str) {
        let value: Value = serde_json::from_str(spec_json).expect("the JSON example");
        let written = document(root, &value);
        assert_eq!(
            canonical(parse(&written)),
            canonical(parse(spec_xml)),
            "{root}: wrote {written}"
        );
    }

    /// GeoReport v2's examples (wiki.open311.org/GeoReport_v2), JSON and XML of each
    /// resource; the spec's `001` codes are quoted (bare leading zeros are not JSON).
    #[test]
    fn the_spec_examples_round_trip_from_json_to_xml() {
        check(
            "discovery",
            r#"{"changeset":"2011-04-05T17:48:34Z","contact":"You can email or call for assistance api@netmanagers.com.ar +54 (11) 4700-1222","key_service":"You can request a key here: http://api.ba311.gob.ar/request_key.html",
                "endpoints":[{"specification":"http://wiki.open311.org/GeoReport_v2","url":"http://api.ba311.gob.ar/open311/v2","changeset":"2011-04-20T17:48:34Z","type":"production","formats":["text/xml","application/json"]}]}"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <discovery>
              <changeset>2011-04-05T17:48:34Z</changeset>
              <contact>You can email or call for assistance api@netmanagers.com.ar +54 (11) 4700-1222</contact>
              <key_service>You can request a key here: http://api.ba311.gob.ar/request_key.html</key_service>
              <endpoints>
                <endpoint>
                  <specification>http://wiki.open311.org/GeoReport_v2</specification>
                  <url>http://api.ba311.gob.ar/open311/v2</url>
                  <changeset>2011-04-20T17:48:34Z</changeset>
                  <type>production</type>
                  <formats>
                    <format>text/xml</format>
                    <format>application/json</format>
                  </formats>
                </endpoint>
              </endpoints>
            </discovery>"#,
        );
        check(
            "services",
            r#"[{"service_code":"001","service_name":"Cans left out 24x7","description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"sanitation"},
                {"service_code":"002","metadata":true,"type":"realtime","keywords":"lorem, ipsum, dolor","group":"street","service_name":"Construction plate shifted","description":"Metal construction plate covering the street or sidewalk has been moved."}]"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <services>
              <service>
                <service_code>001</service_code>
                <service_name>Cans left out 24x7</service_name>
                <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
                <metadata>true</metadata>
                <type>realtime</type>
                <keywords>lorem, ipsum, dolor</keywords>
                <group>sanitation</group>
              </service>
              <service>
                <service_code>002</service_code>
                <metadata>true</metadata>
                <type>realtime</type>
                <keywords>lorem, ipsum, dolor</keywords>
                <group>street</group>
                <service_name>Construction plate shifted</service_name>
                <description>Metal construction plate covering the street or sidewalk has been moved.</description>
              </service>
            </services>"#,
        );
        check(
            "service_definition",
            r#"{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN","datatype":"singlevaluelist","required":true,"datatype_description":null,"order":1,"description":"What is the ticket/tag/DL number?","values":[{"key":123,"name":"Ford"},{"key":124,"name":"Chrysler"}]}]}"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <service_definition>
              <service_code>DMV66</service_code>
              <attributes>
                <attribute>
                  <variable>true</variable>
                  <code>WHISHETN</code>
                  <datatype>singlevaluelist</datatype>
                  <required>true</required>
                  <datatype_description></datatype_description>
                  <order>1</order>
                  <description>What is the ticket/tag/DL number?</description>
                  <values>
                    <value><key>123</key><name>Ford</name></value>
                    <value><key>124</key><name>Chrysler</name></value>
                  </values>
                </attribute>
              </attributes>
            </service_definition>"#,
        );
        // POST requests: the answer with an id, and with a token.
        check(
            "service_requests",
            r#"[{"service_request_id":293944,"service_notice":"The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code","account_id":null}]"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <service_requests>
              <request>
                <service_request_id>293944</service_request_id>
                <service_notice>The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code</service_notice>
                <account_id/>
              </request>
            </service_requests>"#,
        );
        check(
            "service_requests",
            r#"[{"token":"12345"}]"#,
            "<service_requests><request><token>12345</token></request></service_requests>",
        );
        // GET tokens/<id>.
        check(
            "service_requests",
            r#"[{"service_request_id":638344,"token":12345}]"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <service_requests>
              <request>
                <service_request_id>638344</service_request_id>
                <token>12345</token>
              </request>
            </service_requests>"#,
        );
        // GET requests and requests/<id>.
        check(
            "service_requests",
            r#"[{"service_request_id":638344,"status":"closed","status_notes":"Duplicate request.","service_name":"Sidewalk and Curb Issues","service_code":"006","description":null,"agency_responsible":null,"service_notice":null,"requested_datetime":"2010-04-14T06:37:38-08:00","updated_datetime":"2010-04-14T06:37:38-08:00","expected_datetime":"2010-04-15T06:37:38-08:00","address":"8TH AVE and JUDAH ST","address_id":545483,"zipcode":94122,"lat":37.762221815,"long":-122.4651145,"media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg"}]"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <service_requests>
              <request>
                <service_request_id>638344</service_request_id>
                <status>closed</status>
                <status_notes>Duplicate request.</status_notes>
                <service_name>Sidewalk and Curb Issues</service_name>
                <service_code>006</service_code>
                <description></description>
                <agency_responsible></agency_responsible>
                <service_notice></service_notice>
                <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
                <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
                <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
                <address>8TH AVE and JUDAH ST</address>
                <address_id>545483</address_id>
                <zipcode>94122</zipcode>
                <lat>37.762221815</lat>
                <long>-122.4651145</long>
                <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg</media_url>
              </request>
            </service_requests>"#,
        );
        check(
            "errors",
            r#"[{"code":403,"description":"Invalid api_key received -- can't proceed with create_request."},{"code":400,"description":"Service_code was not found"}]"#,
            r#"<?xml version="1.0" encoding="utf-8"?>
            <errors>
              <error>
                <code>403</code>
                <description>Invalid api_key received -- can't proceed with create_request.</description>
              </error>
              <error>
                <code>400</code>
                <description>Service_code was not found</description>
              </error>
            </errors>"#,
        );
    }
}
