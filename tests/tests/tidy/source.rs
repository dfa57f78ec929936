//! Reading a Rust source as code: comments and the contents of literals blanked, and the
//! places where it names an external crate as a path (`sled::Db`, `use sled;`).

/// `text` with every comment and the contents of every string and char literal replaced by
/// spaces (newlines kept), so line numbers stay right and prose never counts as a use.
pub(crate) fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let skip = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|&c| c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_len(rest)
        } else if let Some(len) = raw_string_len(&chars, i) {
            len
        } else if rest[0] == '"' {
            string_len(rest)
        } else if rest[0] == '\'' {
            char_literal_len(rest).unwrap_or(0)
        } else {
            0
        };
        if skip == 0 {
            out.push(rest[0]);
            i += 1;
        } else {
            out.extend(
                rest[..skip]
                    .iter()
                    .map(|&c| if c == '\n' { '\n' } else { ' ' }),
            );
            i += skip;
        }
    }
    out
}

/// A nested block comment's length, to its closing `*/` (or the end of the text).
fn block_comment_len(rest: &[char]) -> usize {
    let (mut depth, mut i) = (0usize, 0);
    while i < rest.len() {
        if rest[i..].starts_with(&['/', '*']) {
            depth += 1;
            i += 2;
        } else if rest[i..].starts_with(&['*', '/']) {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    rest.len()
}

/// A `"…"` literal's length, escapes included.
fn string_len(rest: &[char]) -> usize {
    let mut i = 1;
    while i < rest.len() {
        match rest[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    rest.len()
}

/// The length of a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) starting at `at`, if one does.
fn raw_string_len(chars: &[char], at: usize) -> Option<usize> {
    if at > 0 && is_ident_char(chars[at - 1]) {
        return None;
    }
    let mut i = at;
    if chars.get(i) == Some(&'b') {
        i += 1;
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
    i += hashes;
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes - at);
        }
        i += 1;
    }
    Some(chars.len() - at)
}

/// A char literal's length (`'a'`, `'\n'`, `'\u{1F600}'`); `None` for a lifetime (`'a`).
fn char_literal_len(rest: &[char]) -> Option<usize> {
    if rest.get(1) == Some(&'\\') {
        let close = rest.iter().skip(3).position(|&c| c == '\'')?;
        return Some(close + 4);
    }
    (rest.get(2) == Some(&'\'')).then_some(3)
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The 1-based lines on which `code` (see `code_only`) names the crate `name` as a path:
/// `name::…` (not `other::name::…`), `use name`, `extern crate name`.
pub(crate) fn lines_using(code: &str, name: &str) -> Vec<usize> {
    code.lines()
        .enumerate()
        .filter(|(_, line)| uses_crate(line, name))
        .map(|(index, _)| index + 1)
        .collect()
}

fn uses_crate(line: &str, name: &str) -> bool {
    line.match_indices(name).any(|(at, _)| {
        let before = &line[..at];
        let after = &line[at + name.len()..];
        if before.chars().next_back().is_some_and(is_ident_char)
            || after.chars().next().is_some_and(is_ident_char)
        {
            return false;
        }
        let before = before.trim_end();
        let last_word = before.rsplit(|c: char| !is_ident_char(c)).next();
        if last_word == Some("use") || before.ends_with("extern crate") {
            return true;
        }
        let is_sub_path = before.strip_suffix("::").is_some_and(|prefix| {
            prefix
                .trim_end()
                .chars()
                .next_back()
                .is_some_and(is_ident_char)
        });
        after.trim_start().starts_with("::") && !is_sub_path
    })
}
