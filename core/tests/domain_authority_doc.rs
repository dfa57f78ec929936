//! docs/authority.md shows the same role × command matrix as the code.
//! Regenerate with `GOVLEDGER_BLESS_FIXTURES=1 cargo test -p govledger-core --test domain_authority_doc`.

use govledger_core::domain::authority::matrix_markdown;

const START: &str = "<!-- matrix:start -->\n";
const END: &str = "<!-- matrix:end -->";

#[test]
fn the_documented_matrix_is_the_enforced_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/authority.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(START).expect("matrix start marker") + START.len();
    let end = text.find(END).expect("matrix end marker");
    let table = matrix_markdown();
    if std::env::var_os("GOVLEDGER_BLESS_FIXTURES").is_some() {
        let updated = format!("{}{}{}", &text[..start], table, &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(&text[start..end], table, "docs/authority.md is stale");
}
