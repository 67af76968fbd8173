//! Go `path/filepath.Match` for one path element, used to reproduce copilot's extension fallback
//! `filepath.Glob(<dir>/<name> + ".*")`: the output *name* is part of the pattern, so a name with
//! `*`, `?`, `[` or `\` is a pattern too (Go `src/path/filepath/match.go`: `*` any run of
//! non-separator bytes, `?` one character, `[...]` classes with `^` negation and `a-z` ranges,
//! `\` escapes; a malformed pattern is `ErrBadPattern`, which makes copilot report "not found").

/// Go's `filepath.ErrBadPattern`: the pattern is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

/// Whether `name` matches `pattern`, or [`BadPattern`].
pub fn go_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    validate(&p)?;
    Ok(match_from(&p, &n))
}

fn validate(p: &[char]) -> Result<(), BadPattern> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BadPattern);
                }
                i += 2;
            }
            '[' => {
                i = class_end(p, i)?;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Index just past the `]` closing the class that starts at `p[start] == '['`.
fn class_end(p: &[char], start: usize) -> Result<usize, BadPattern> {
    let mut i = start + 1;
    if p.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *p.get(i).ok_or(BadPattern)?;
        if c == ']' && !first {
            return Ok(i + 1);
        }
        first = false;
        // lo
        let (_, ni) = class_char(p, i)?;
        i = ni;
        if p.get(i) == Some(&'-') {
            let (_, ni) = class_char(p, i + 1)?;
            i = ni;
        }
    }
}

fn class_char(p: &[char], i: usize) -> Result<(char, usize), BadPattern> {
    match p.get(i) {
        None | Some('-') | Some(']') => Err(BadPattern),
        Some('\\') => p.get(i + 1).map(|c| (*c, i + 2)).ok_or(BadPattern),
        Some(c) => Ok((*c, i + 1)),
    }
}

fn match_class(p: &[char], start: usize, c: char) -> (bool, usize) {
    let mut i = start + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let Ok((lo, ni)) = class_char(p, i) else {
            break;
        };
        i = ni;
        let mut hi = lo;
        if p.get(i) == Some(&'-')
            && let Ok((h, ni)) = class_char(p, i + 1)
        {
            hi = h;
            i = ni;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
    (matched != negated, i)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    if p.is_empty() {
        return n.is_empty();
    }
    match p[0] {
        '*' => (0..=n.len())
            .take_while(|&k| k == 0 || n[k - 1] != '/')
            .any(|k| match_from(&p[1..], &n[k..])),
        '?' => !n.is_empty() && n[0] != '/' && match_from(&p[1..], &n[1..]),
        '[' => {
            if n.is_empty() || n[0] == '/' {
                return false;
            }
            let (ok, next) = match_class(p, 0, n[0]);
            ok && match_from(&p[next..], &n[1..])
        }
        '\\' => p.len() > 1 && !n.is_empty() && n[0] == p[1] && match_from(&p[2..], &n[1..]),
        c => !n.is_empty() && n[0] == c && match_from(&p[1..], &n[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::go_match;

    #[test]
    fn matches() {
        assert_eq!(go_match("area.*", "area.txt"), Ok(true));
        assert_eq!(go_match("area.*", "area."), Ok(true));
        assert_eq!(go_match("area.*", "area"), Ok(false));
        assert_eq!(go_match("a[bc].*", "ab.x"), Ok(true));
        assert_eq!(go_match("a[.*", "a[.x"), Err(super::BadPattern));
    }
}
