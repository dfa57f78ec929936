//! Open311 GeoReport v2 (ADR 0007), the part built so far: discovery, the services (request
//! categories) and their definitions, as JSON and XML; errors in the spec's format; the
//! request endpoints answer 501 until they are built.

use govledger_tests::e2e::{BareServer, request};
use serde_json::Value;

#[tokio::test]
async fn an_open311_client_lists_the_services_as_json_and_xml() {
    let server = BareServer::start(&[]);
    let address = server.address();
    let get = |path: &str| {
        let address = address.clone();
        let path = path.to_string();
        async move { request(&address, "GET", &path, &[], b"").await }
    };

    let services = get("/open311/v2/services.json").await;
    assert_eq!(services.status, 200);
    assert!(
        services
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let list: Vec<Value> = serde_json::from_str(&services.body).expect("a JSON array");
    assert_eq!(list.len(), 12);
    for service in &list {
        for field in [
            "service_code",
            "service_name",
            "description",
            "type",
            "group",
        ] {
            assert!(service[field].is_string(), "{field} in {service}");
        }
        assert_eq!(service["metadata"], true);
        assert_eq!(service["type"], "realtime");
    }
    assert!(list.iter().any(|s| s["service_code"] == "lift"));

    let xml = get("/open311/v2/services.xml").await;
    assert_eq!(xml.status, 200);
    assert!(
        xml.header("content-type")
            .unwrap_or_default()
            .starts_with("text/xml")
    );
    assert!(
        xml.body
            .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>")
    );
    assert_eq!(xml.body.matches("<service>").count(), 12);
    assert!(xml.body.contains("<service_code>lift</service_code>"));

    let definition = get("/open311/v2/services/lift.json").await;
    assert_eq!(definition.status, 200);
    let definition = definition.json();
    assert_eq!(definition["service_code"], "lift");
    let attribute = &definition["attributes"][0];
    assert_eq!(attribute["code"], "kind");
    assert_eq!(attribute["datatype"], "singlevaluelist");
    assert_eq!(attribute["values"].as_array().map(Vec::len), Some(4));
    let definition_xml = get("/open311/v2/services/lift.xml").await;
    assert!(
        definition_xml
            .body
            .contains("<service_definition><attributes><attribute>"),
        "{}",
        definition_xml.body
    );
    assert_eq!(definition_xml.body.matches("<value>").count(), 4);

    let discovery = get("/open311/v2/discovery.json").await.json();
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(
        discovery["endpoints"][0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/open311/v2"))
    );

    for (path, status) in [
        ("/open311/v2/services/teleport.json", 404),
        ("/open311/v2/services", 404),
        ("/open311/v2/requests.json", 501),
        (
            "/open311/v2/requests/0190f5a4-0000-7000-8000-000000000001.json",
            501,
        ),
    ] {
        let response = get(path).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        let errors: Value = serde_json::from_str(&response.body).expect("JSON errors");
        assert_eq!(errors[0]["code"], status, "{path}");
        assert!(errors[0]["description"].is_string(), "{path}");
    }
    let xml_error = get("/open311/v2/services/teleport.xml").await;
    assert_eq!(xml_error.status, 404);
    assert!(
        xml_error
            .body
            .contains("<errors><error><code>404</code><description>"),
        "{}",
        xml_error.body
    );
}
