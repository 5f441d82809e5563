//! Header / export consistency check.
//!
//! Compares what the Rust crate exports (as C text printed by cbindgen, plus
//! the string constants of src/consts.rs, which cbindgen cannot print) with
//! the public headers in include/. Pure std and no I/O, so the same file is
//! compiled into build.rs (`#[path]`) and into tests/header_check.rs, where
//! its parser is unit-tested.
//!
//! The C side is handled by a deliberately small preprocessor and declaration
//! parser: enough for zmq.h, zmq_utils.h, rampart.h and cbindgen's output
//! (comments, line splices, `#define` with and without parameters, `#undef`,
//! `#if/#ifdef/#ifndef/#elif/#else/#endif` with full integer expressions,
//! `typedef`s, function declarations with function-pointer parameters,
//! `extern "C"` blocks, `__attribute__`/`__declspec` decorations). Types are
//! compared structurally after resolving each side's own typedefs, so
//! `zmq_free_fn *ffn_` in the header and `void (*ffn)(void *, void *)` from
//! cbindgen are the same type, `const` placement and parameter names do not
//! matter, and top-level qualifiers of parameters are ignored (as in C).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

/// A C preprocessing token (simplified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Char(String),
    Punct(&'static str),
}

impl Tok {
    fn is(&self, p: &str) -> bool {
        matches!(self, Tok::Punct(q) if *q == p)
    }

    fn ident(&self) -> Option<&str> {
        match self {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) | Tok::Num(s) => f.write_str(s),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Char(s) => write!(f, "'{s}'"),
            Tok::Punct(p) => f.write_str(p),
        }
    }
}

const PUNCTS: &[&str] = &[
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "::", "#", "(", ")", "[", "]", "{", "}", ",",
    ";", ":", "?", "~", "!", "+", "-", "*", "/", "%", "&", "|", "^", "<", ">", "=", ".",
];

/// Splits (comment-free) C text into tokens.
pub fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            // Wide / unicode string prefixes (L"x", u8"x") are not used here.
            out.push(Tok::Ident(text[s..i].to_string()));
        } else if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit())
        {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Num(text[s..i].to_string()));
        } else if c == b'"' || c == b'\'' {
            let s = i + 1;
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= b.len() {
                return Err(format!("unterminated literal: {}", &text[s - 1..]));
            }
            let body = text[s..i].to_string();
            i += 1;
            out.push(if c == b'"' {
                Tok::Str(body)
            } else {
                Tok::Char(body)
            });
        } else {
            let rest = &text[i..];
            match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
                Some(p) => {
                    out.push(Tok::Punct(p));
                    i += p.len();
                }
                None => {
                    let ch = rest.chars().next().unwrap_or('?');
                    return Err(format!("unexpected character {ch:?}"));
                }
            }
        }
    }
    Ok(out)
}

/// Joins backslash-continued lines and replaces comments with a space,
/// leaving string and character literals alone. Line breaks outside comments
/// are kept, so directives stay one per line.
pub fn strip_comments(text: &str) -> String {
    let spliced = text.replace("\\\r\n", "").replace("\\\n", "");
    let b = spliced.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                out.push_str(&spliced[start..i]);
                let end = spliced[i + 2..]
                    .find("*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
                // Keep the line structure so that a comment spanning lines
                // does not glue a directive to the next line's code.
                let newlines = spliced[i..end].matches('\n').count();
                out.push(' ');
                for _ in 0..newlines {
                    out.push('\n');
                }
                i = end;
                start = i;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                out.push_str(&spliced[start..i]);
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        out.push_str(&spliced[start..]);
    }
    out
}

// ---------------------------------------------------------------------------
// Macros and integer expressions
// ---------------------------------------------------------------------------

/// A `#define`: object-like (`params == None`) or function-like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Macro {
    pub params: Option<Vec<String>>,
    pub body: Vec<Tok>,
}

impl Macro {
    pub fn body_text(&self) -> String {
        self.body
            .iter()
            .map(Tok::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub type Macros = HashMap<String, Macro>;

/// Expands macros in `toks` (object-like and function-like, recursively,
/// never re-expanding a macro inside its own expansion).
pub fn expand(toks: &[Tok], macros: &Macros) -> Vec<Tok> {
    let mut active = Vec::new();
    expand_inner(toks, macros, &mut active, 0)
}

fn expand_inner(toks: &[Tok], macros: &Macros, active: &mut Vec<String>, depth: u32) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let name = match &toks[i] {
            Tok::Ident(n) if depth < 64 && !active.contains(n) => n,
            t => {
                out.push(t.clone());
                i += 1;
                continue;
            }
        };
        let Some(m) = macros.get(name) else {
            out.push(toks[i].clone());
            i += 1;
            continue;
        };
        match &m.params {
            None => {
                active.push(name.clone());
                out.extend(expand_inner(&m.body, macros, active, depth + 1));
                active.pop();
                i += 1;
            }
            Some(params) => {
                // Only an invocation when followed by '('.
                if !toks.get(i + 1).is_some_and(|t| t.is("(")) {
                    out.push(toks[i].clone());
                    i += 1;
                    continue;
                }
                let mut args: Vec<Vec<Tok>> = vec![Vec::new()];
                let mut level = 0;
                let mut j = i + 2;
                while j < toks.len() {
                    let t = &toks[j];
                    if t.is("(") {
                        level += 1;
                    } else if t.is(")") {
                        if level == 0 {
                            break;
                        }
                        level -= 1;
                    } else if t.is(",") && level == 0 {
                        args.push(Vec::new());
                        j += 1;
                        continue;
                    }
                    if let Some(last) = args.last_mut() {
                        last.push(t.clone());
                    }
                    j += 1;
                }
                if params.is_empty() && args.len() == 1 && args[0].is_empty() {
                    args.clear();
                }
                let mut body = Vec::new();
                for t in &m.body {
                    match t.ident().and_then(|n| params.iter().position(|p| p == n)) {
                        Some(k) => {
                            let arg = args.get(k).cloned().unwrap_or_default();
                            body.extend(expand_inner(&arg, macros, active, depth + 1));
                        }
                        None => body.push(t.clone()),
                    }
                }
                active.push(name.clone());
                out.extend(expand_inner(&body, macros, active, depth + 1));
                active.pop();
                i = j + 1;
            }
        }
    }
    out
}

/// Parses a C integer literal (decimal, hex, octal; u/l suffixes).
pub fn parse_int(s: &str) -> Option<i128> {
    let t = s.trim_end_matches(['u', 'U', 'l', 'L']);
    let t = t.replace('\'', "");
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        i128::from_str_radix(b, 2).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        i128::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

/// Evaluates an integer constant expression (already macro-expanded).
/// Identifiers that are left evaluate to 0 when `idents_are_zero` (as in
/// `#if`), otherwise they are an error.
pub fn eval_tokens(toks: &[Tok], idents_are_zero: bool) -> Result<i128, String> {
    let mut p = ExprParser {
        toks,
        pos: 0,
        idents_are_zero,
    };
    let v = p.ternary()?;
    if p.pos != toks.len() {
        return Err(format!("unexpected `{}` in expression", toks[p.pos]));
    }
    Ok(v)
}

struct ExprParser<'a> {
    toks: &'a [Tok],
    pos: usize,
    idents_are_zero: bool,
}

fn binary_prec(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn ternary(&mut self) -> Result<i128, String> {
        let c = self.binary(1)?;
        if self.peek().is_some_and(|t| t.is("?")) {
            self.pos += 1;
            let a = self.ternary()?;
            if !self.peek().is_some_and(|t| t.is(":")) {
                return Err("expected `:`".into());
            }
            self.pos += 1;
            let b = self.ternary()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    fn binary(&mut self, min: u8) -> Result<i128, String> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Punct(op)) = self.peek() {
            let op = *op;
            let Some(prec) = binary_prec(op).filter(|p| *p >= min) else {
                break;
            };
            self.pos += 1;
            let rhs = self.binary(prec + 1)?;
            lhs = match op {
                "||" => i128::from(lhs != 0 || rhs != 0),
                "&&" => i128::from(lhs != 0 && rhs != 0),
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => i128::from(lhs == rhs),
                "!=" => i128::from(lhs != rhs),
                "<" => i128::from(lhs < rhs),
                "<=" => i128::from(lhs <= rhs),
                ">" => i128::from(lhs > rhs),
                ">=" => i128::from(lhs >= rhs),
                "<<" => lhs
                    .checked_shl(u32::try_from(rhs).map_err(|_| "bad shift")?)
                    .ok_or("bad shift")?,
                ">>" => lhs
                    .checked_shr(u32::try_from(rhs).map_err(|_| "bad shift")?)
                    .ok_or("bad shift")?,
                "+" => lhs.checked_add(rhs).ok_or("overflow")?,
                "-" => lhs.checked_sub(rhs).ok_or("overflow")?,
                "*" => lhs.checked_mul(rhs).ok_or("overflow")?,
                "/" => lhs.checked_div(rhs).ok_or("division by zero")?,
                "%" => lhs.checked_rem(rhs).ok_or("division by zero")?,
                _ => return Err(format!("unsupported operator `{op}`")),
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<i128, String> {
        let t = self.peek().cloned().ok_or("unexpected end of expression")?;
        self.pos += 1;
        match t {
            Tok::Punct("-") => Ok(-self.unary()?),
            Tok::Punct("+") => self.unary(),
            Tok::Punct("!") => Ok(i128::from(self.unary()? == 0)),
            Tok::Punct("~") => Ok(!self.unary()?),
            Tok::Punct("(") => {
                let v = self.ternary()?;
                if !self.peek().is_some_and(|t| t.is(")")) {
                    return Err("expected `)`".into());
                }
                self.pos += 1;
                Ok(v)
            }
            Tok::Num(n) => parse_int(&n).ok_or_else(|| format!("bad number `{n}`")),
            Tok::Ident(_) if self.idents_are_zero => Ok(0),
            t => Err(format!("unexpected `{t}` in expression")),
        }
    }
}

// ---------------------------------------------------------------------------
// C types
// ---------------------------------------------------------------------------

/// A C type in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CType {
    /// A base type or typedef/struct name, e.g. "unsigned long", "zmq_msg_t".
    Named {
        name: String,
        konst: bool,
    },
    Ptr {
        to: Box<CType>,
        konst: bool,
    },
    Func {
        ret: Box<CType>,
        params: Vec<CType>,
        variadic: bool,
    },
    Array {
        of: Box<CType>,
    },
}

impl fmt::Display for CType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CType::Named { name, konst } => {
                if *konst {
                    write!(f, "const ")?;
                }
                f.write_str(name)
            }
            CType::Ptr { to, konst } => {
                match &**to {
                    CType::Func {
                        ret,
                        params,
                        variadic,
                    } => {
                        write!(f, "{ret} (*)(")?;
                        write_params(f, params, *variadic)?;
                        write!(f, ")")?;
                    }
                    other => write!(f, "{other} *")?,
                }
                if *konst {
                    write!(f, "const")?;
                }
                Ok(())
            }
            CType::Func {
                ret,
                params,
                variadic,
            } => {
                write!(f, "{ret} (")?;
                write_params(f, params, *variadic)?;
                write!(f, ")")
            }
            CType::Array { of } => write!(f, "{of} []"),
        }
    }
}

fn write_params(f: &mut fmt::Formatter<'_>, params: &[CType], variadic: bool) -> fmt::Result {
    if params.is_empty() && !variadic {
        return f.write_str("void");
    }
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{p}")?;
    }
    if variadic {
        f.write_str(if params.is_empty() { "..." } else { ", ..." })?;
    }
    Ok(())
}

/// Spellings of builtin or Rust-named types that mean the same C type.
fn alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "c_void" => "void",
        "c_char" => "char",
        "c_schar" => "signed char",
        "c_uchar" => "unsigned char",
        "c_short" => "short",
        "c_ushort" => "unsigned short",
        "c_int" | "RawFd" => "int",
        "c_uint" => "unsigned int",
        "c_long" => "long",
        "c_ulong" => "unsigned long",
        "c_longlong" => "long long",
        "c_ulonglong" => "unsigned long long",
        "_Bool" => "bool",
        _ => return None,
    })
}

/// Turns the keyword soup of a declaration's specifiers into one name.
fn base_name(words: &[String]) -> Option<String> {
    let has = |w: &str| words.iter().any(|x| x == w);
    let longs = words.iter().filter(|w| *w == "long").count();
    let unsigned = has("unsigned");
    if has("void") {
        return Some("void".into());
    }
    if has("char") {
        return Some(
            match (unsigned, has("signed")) {
                (true, _) => "unsigned char",
                (false, true) => "signed char",
                _ => "char",
            }
            .into(),
        );
    }
    if has("_Bool") || has("bool") {
        return Some("bool".into());
    }
    if has("float") {
        return Some("float".into());
    }
    if has("double") {
        return Some(if longs > 0 { "long double" } else { "double" }.into());
    }
    let size = if has("short") {
        "short"
    } else if longs >= 2 {
        "long long"
    } else if longs == 1 {
        "long"
    } else if has("int") || unsigned || has("signed") {
        "int"
    } else {
        return None;
    };
    Some(if unsigned {
        format!("unsigned {size}")
    } else {
        size.to_string()
    })
}

const TYPE_WORDS: &[&str] = &[
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool",
    "bool",
];
const IGNORED_WORDS: &[&str] = &[
    "extern",
    "static",
    "inline",
    "__inline",
    "__inline__",
    "register",
    "auto",
    "volatile",
    "__volatile__",
    "restrict",
    "__restrict",
    "__restrict__",
    "__extension__",
    "__global",
];

/// A parsed declaration: `name` is None for abstract declarators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub name: Option<String>,
    pub ty: CType,
    /// True when the base type was a struct/union/enum (tag or body).
    pub tagged: bool,
}

/// Parses one declaration (no trailing `;`, no attributes), e.g.
/// `const char *zmq_strerror (int errnum_)`.
pub fn parse_declaration(toks: &[Tok]) -> Result<Declared, String> {
    let mut words: Vec<String> = Vec::new();
    let mut named: Option<String> = None;
    let mut konst = false;
    let mut tagged = false;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Ident(w) if w == "const" || w == "__const" => konst = true,
            Tok::Ident(w) if IGNORED_WORDS.contains(&w.as_str()) => {}
            Tok::Ident(w) if w == "struct" || w == "union" || w == "enum" => {
                tagged = true;
                match toks.get(i + 1) {
                    Some(Tok::Ident(tag)) => {
                        named = Some(tag.clone());
                        i += 1;
                    }
                    _ => named = Some(format!("<anonymous {w}>")),
                }
                // The body (collect_declarations leaves an empty `{ }`).
                if toks.get(i + 1).is_some_and(|t| t.is("{")) {
                    i = matching(toks, i + 1)?;
                }
            }
            Tok::Ident(w) if TYPE_WORDS.contains(&w.as_str()) => words.push(w.clone()),
            Tok::Ident(w) if named.is_none() && words.is_empty() => named = Some(w.clone()),
            _ => break,
        }
        i += 1;
    }
    let name = match (base_name(&words), named) {
        (Some(b), None) => b,
        (None, Some(n)) => n,
        (Some(_), Some(n)) => return Err(format!("both a builtin type and `{n}` in specifiers")),
        (None, None) => return Err("declaration without a type".into()),
    };
    let base = CType::Named { name, konst };
    let (decl_name, ty, used) = parse_declarator(&toks[i..], base)?;
    if used != toks.len() - i {
        return Err(format!("unexpected `{}` in declaration", toks[i + used]));
    }
    Ok(Declared {
        name: decl_name,
        ty,
        tagged,
    })
}

/// Parses a declarator applied to `base`. Returns the declared name, its
/// type and the number of tokens used.
fn parse_declarator(toks: &[Tok], base: CType) -> Result<(Option<String>, CType, usize), String> {
    let mut i = 0;
    let mut ty = base;
    // Pointer prefix: '*' followed by qualifiers.
    while toks.get(i).is_some_and(|t| t.is("*")) {
        i += 1;
        let mut konst = false;
        while let Some(Tok::Ident(w)) = toks.get(i) {
            if w == "const" || w == "__const" {
                konst = true;
            } else if !IGNORED_WORDS.contains(&w.as_str()) {
                break;
            }
            i += 1;
        }
        ty = CType::Ptr {
            to: Box::new(ty),
            konst,
        };
    }
    // Direct declarator: a name, a parenthesised inner declarator, or nothing.
    let mut name = None;
    let mut inner: Option<(usize, usize)> = None;
    match toks.get(i) {
        Some(Tok::Ident(n)) => {
            name = Some(n.clone());
            i += 1;
        }
        Some(t) if t.is("(") && is_grouping(toks, i) => {
            let close = matching(toks, i)?;
            inner = Some((i + 1, close));
            i = close + 1;
        }
        _ => {}
    }
    // Suffixes: parameter lists and array bounds, applied right to left.
    let mut templates: Vec<Suffix> = Vec::new();
    loop {
        match toks.get(i) {
            Some(t) if t.is("(") => {
                let close = matching(toks, i)?;
                templates.push(Suffix::Params(parse_params(&toks[i + 1..close])?));
                i = close + 1;
            }
            Some(t) if t.is("[") => {
                let close = matching(toks, i)?;
                templates.push(Suffix::Array);
                i = close + 1;
            }
            _ => break,
        }
    }
    for s in templates.into_iter().rev() {
        ty = match s {
            Suffix::Params((params, variadic)) => CType::Func {
                ret: Box::new(ty),
                params,
                variadic,
            },
            Suffix::Array => CType::Array { of: Box::new(ty) },
        };
    }
    if let Some((s, e)) = inner {
        let (n, t, used) = parse_declarator(&toks[s..e], ty)?;
        if used != e - s {
            return Err(format!("unexpected `{}` in declarator", toks[s + used]));
        }
        return Ok((n, t, i));
    }
    Ok((name, ty, i))
}

/// Whether the `(` at `open` groups a declarator, as in `(*name)(...)` or
/// `(name)(...)`, rather than starting the parameter list of an abstract
/// function declarator.
fn is_grouping(toks: &[Tok], open: usize) -> bool {
    match toks.get(open + 1) {
        Some(t) if t.is("*") || t.is("(") => true,
        Some(Tok::Ident(n)) => {
            let n = n.as_str();
            !(TYPE_WORDS.contains(&n)
                || IGNORED_WORDS.contains(&n)
                || matches!(n, "const" | "__const" | "struct" | "union" | "enum"))
                && toks.get(open + 2).is_some_and(|t| t.is(")"))
        }
        _ => false,
    }
}

enum Suffix {
    Params((Vec<CType>, bool)),
    Array,
}

/// Index of the bracket closing the one at `open`.
fn matching(toks: &[Tok], open: usize) -> Result<usize, String> {
    let (o, c) = match &toks[open] {
        Tok::Punct("(") => ("(", ")"),
        Tok::Punct("[") => ("[", "]"),
        Tok::Punct("{") => ("{", "}"),
        t => return Err(format!("`{t}` is not an opening bracket")),
    };
    let mut level = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.is(o) {
            level += 1;
        } else if t.is(c) {
            level -= 1;
            if level == 0 {
                return Ok(k);
            }
        }
    }
    Err(format!("unbalanced `{o}`"))
}

fn parse_params(toks: &[Tok]) -> Result<(Vec<CType>, bool), String> {
    let mut params = Vec::new();
    let mut variadic = false;
    if toks.is_empty() {
        // `f()` in C means "unspecified"; cbindgen never prints it and the
        // headers always say `(void)`. Treat as no parameters.
        return Ok((params, false));
    }
    for part in split_top(toks, ",") {
        if part.len() == 1 && part[0].is("...") {
            variadic = true;
            continue;
        }
        let d = parse_declaration(part)?;
        params.push(d.ty);
    }
    if params.len() == 1 && params[0] == named("void") {
        params.clear();
    }
    Ok((params, variadic))
}

fn named(n: &str) -> CType {
    CType::Named {
        name: n.into(),
        konst: false,
    }
}

/// Splits at `sep` outside brackets.
fn split_top<'a>(toks: &'a [Tok], sep: &str) -> Vec<&'a [Tok]> {
    let mut out = Vec::new();
    let mut level = 0i32;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        if t.is("(") || t.is("[") || t.is("{") {
            level += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            level -= 1;
        } else if level == 0 && t.is(sep) {
            out.push(&toks[start..k]);
            start = k + 1;
        }
    }
    out.push(&toks[start..]);
    out
}

/// Typedefs of one header: name -> target, or None for struct-like (opaque)
/// types, which are compared by name.
pub type Typedefs = HashMap<String, Option<CType>>;

/// Rewrites `ty` into the form used for comparisons: typedefs resolved,
/// builtin aliases applied, parameters adjusted (arrays and functions become
/// pointers) and top-level qualifiers of parameters and return types
/// dropped.
pub fn canonical(ty: &CType, typedefs: &Typedefs) -> CType {
    canon(ty, typedefs, 0)
}

fn canon(ty: &CType, typedefs: &Typedefs, depth: u32) -> CType {
    match ty {
        CType::Named { name, konst } => {
            if depth < 32 {
                // cbindgen prints `Option<Alias>` of a function-pointer alias
                // as an opaque `Option_Alias`; it means the (nullable) alias.
                let target = match typedefs.get(name) {
                    Some(Some(t)) => Some(t),
                    _ => name
                        .strip_prefix("Option_")
                        .and_then(|inner| typedefs.get(inner))
                        .and_then(Option::as_ref)
                        .filter(|t| matches!(t, CType::Ptr { .. })),
                };
                if let Some(target) = target {
                    let mut t = canon(target, typedefs, depth + 1);
                    if *konst {
                        set_const(&mut t);
                    }
                    return t;
                }
            }
            CType::Named {
                name: alias(name).map_or_else(|| name.clone(), str::to_string),
                konst: *konst,
            }
        }
        CType::Ptr { to, konst } => CType::Ptr {
            to: Box::new(canon(to, typedefs, depth)),
            konst: *konst,
        },
        CType::Array { of } => CType::Array {
            of: Box::new(canon(of, typedefs, depth)),
        },
        CType::Func {
            ret,
            params,
            variadic,
        } => CType::Func {
            ret: Box::new(unqualified(canon(ret, typedefs, depth))),
            params: params
                .iter()
                .map(|p| adjust_param(canon(p, typedefs, depth)))
                .collect(),
            variadic: *variadic,
        },
    }
}

fn set_const(t: &mut CType) {
    match t {
        CType::Named { konst, .. } | CType::Ptr { konst, .. } => *konst = true,
        _ => {}
    }
}

fn unqualified(t: CType) -> CType {
    match t {
        CType::Named { name, .. } => CType::Named { name, konst: false },
        CType::Ptr { to, .. } => CType::Ptr { to, konst: false },
        other => other,
    }
}

fn adjust_param(t: CType) -> CType {
    match unqualified(t) {
        CType::Array { of } => CType::Ptr {
            to: of,
            konst: false,
        },
        f @ CType::Func { .. } => CType::Ptr {
            to: Box::new(f),
            konst: false,
        },
        other => other,
    }
}

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

/// A function declared in a header.
#[derive(Clone, Debug)]
pub struct FnDecl {
    pub name: String,
    /// The declaration as written, whitespace-normalised.
    pub text: String,
    /// Canonical function type (see [`canonical`]).
    pub ty: CType,
}

/// What a header declares, as seen with a given set of predefined macros.
#[derive(Clone, Debug, Default)]
pub struct Header {
    /// Every macro that was ever defined in an active region, in its last
    /// active definition (a later `#undef` does not remove it).
    pub defines: BTreeMap<String, Macro>,
    pub functions: BTreeMap<String, FnDecl>,
    pub typedefs: Typedefs,
    /// Functions declared twice with different types.
    pub conflicts: Vec<String>,
}

impl Header {
    /// Evaluates the object-like macro `name` as an integer.
    pub fn int_value(&self, name: &str) -> Result<i128, String> {
        let m = self
            .defines
            .get(name)
            .ok_or_else(|| format!("`{name}` is not defined"))?;
        if m.params.is_some() {
            return Err(format!("`{name}` is a function-like macro"));
        }
        let env: Macros = self
            .defines
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        eval_tokens(&expand(&m.body, &env), false).map_err(|e| format!("`{name}`: {e}"))
    }

    /// The string literal `name` is defined as, if it is one.
    pub fn str_value(&self, name: &str) -> Option<String> {
        match self.defines.get(name)?.body.as_slice() {
            [Tok::Str(s)] => Some(unescape(s)),
            _ => None,
        }
    }
}

/// Resolves the simple escapes used in property-name literals.
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

struct Cond {
    parent_active: bool,
    active: bool,
    taken: bool,
}

/// Preprocesses and parses `text`. `predefined` are macros that count as
/// defined (name, value). When `all_branches` is set every conditional
/// branch is taken (used for generated text whose conditions are unknown).
pub fn parse_header(
    text: &str,
    predefined: &[(&str, &str)],
    all_branches: bool,
) -> Result<Header, String> {
    let mut live: Macros = HashMap::new();
    for (n, v) in predefined {
        live.insert(
            (*n).to_string(),
            Macro {
                params: None,
                body: tokenize(v)?,
            },
        );
    }
    let mut hdr = Header::default();
    let mut conds: Vec<Cond> = Vec::new();
    let mut code: Vec<Tok> = Vec::new();
    let clean = strip_comments(text);
    for (lineno, line) in clean.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}", lineno + 1);
        let active = conds.last().is_none_or(|c| c.active);
        let trimmed = line.trim_start();
        let Some(directive) = trimmed.strip_prefix('#') else {
            if active {
                let toks = tokenize(line).map_err(at)?;
                code.extend(expand(&toks, &live));
            }
            continue;
        };
        let toks = tokenize(directive).map_err(at)?;
        let Some(kw) = toks.first().and_then(Tok::ident) else {
            continue; // null directive
        };
        let rest = &toks[1..];
        match kw {
            "if" | "ifdef" | "ifndef" => {
                let value = if !active {
                    false
                } else if all_branches {
                    true
                } else {
                    match kw {
                        "ifdef" => rest
                            .first()
                            .and_then(Tok::ident)
                            .is_some_and(|n| live.contains_key(n)),
                        "ifndef" => !rest
                            .first()
                            .and_then(Tok::ident)
                            .is_some_and(|n| live.contains_key(n)),
                        _ => eval_if(rest, &live).map_err(at)? != 0,
                    }
                };
                conds.push(Cond {
                    parent_active: active,
                    active: value,
                    taken: value,
                });
            }
            "elif" | "else" => {
                let c = conds
                    .last_mut()
                    .ok_or_else(|| at(format!("#{kw} without #if")))?;
                let value = if !c.parent_active || (c.taken && !all_branches) {
                    false
                } else if all_branches || kw == "else" {
                    true
                } else {
                    eval_if(rest, &live).map_err(at)? != 0
                };
                c.active = value;
                c.taken |= value;
            }
            "endif" => {
                conds.pop().ok_or_else(|| at("#endif without #if".into()))?;
            }
            _ if !active => {}
            "define" => {
                let (name, m) = parse_define(directive).map_err(at)?;
                hdr.defines.insert(name.clone(), m.clone());
                live.insert(name, m);
            }
            "undef" => {
                if let Some(n) = rest.first().and_then(Tok::ident) {
                    live.remove(n);
                }
            }
            // include, pragma, error, warning, line: nothing to check.
            _ => {}
        }
    }
    if !conds.is_empty() {
        return Err("unterminated #if".into());
    }
    collect_declarations(&code, &mut hdr)?;
    Ok(hdr)
}

fn eval_if(toks: &[Tok], live: &Macros) -> Result<i128, String> {
    // Replace `defined X` / `defined(X)` before expanding anything else.
    let mut pre = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].ident() == Some("defined") {
            let (name, skip) = match (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3)) {
                (Some(Tok::Punct("(")), Some(Tok::Ident(n)), Some(Tok::Punct(")"))) => (n, 4),
                (Some(Tok::Ident(n)), _, _) => (n, 2),
                _ => return Err("malformed `defined`".into()),
            };
            pre.push(Tok::Num(
                if live.contains_key(name) { "1" } else { "0" }.into(),
            ));
            i += skip;
        } else {
            pre.push(toks[i].clone());
            i += 1;
        }
    }
    eval_tokens(&expand(&pre, live), true)
}

/// Parses the text after `#` of a `#define` line.
pub fn parse_define(directive: &str) -> Result<(String, Macro), String> {
    let after = directive
        .trim_start()
        .strip_prefix("define")
        .ok_or("not a #define")?;
    let after = after.trim_start();
    let name_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let name = after[..name_len].to_string();
    if name.is_empty() {
        return Err("#define without a name".into());
    }
    let rest = &after[name_len..];
    // A '(' right after the name (no space) starts a parameter list.
    if let Some(plist) = rest.strip_prefix('(') {
        let close = plist.find(')').ok_or("unterminated macro parameter list")?;
        let params = plist[..close]
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let body = tokenize(&plist[close + 1..])?;
        return Ok((
            name,
            Macro {
                params: Some(params),
                body,
            },
        ));
    }
    Ok((
        name,
        Macro {
            params: None,
            body: tokenize(rest)?,
        },
    ))
}

/// Removes `__attribute__((...))`, `__declspec(...)` and similar decorations.
fn strip_decorations(toks: &[Tok]) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match toks[i].ident() {
            Some("__attribute__" | "__attribute" | "__declspec" | "__asm__" | "__asm")
                if toks.get(i + 1).is_some_and(|t| t.is("(")) =>
            {
                i = matching(toks, i + 1)? + 1;
            }
            _ => {
                out.push(toks[i].clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

fn collect_declarations(code: &[Tok], hdr: &mut Header) -> Result<(), String> {
    let mut decls: Vec<Vec<Tok>> = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let t = &code[i];
        // extern "C" { ... }  /  extern "C" decl;
        if t.ident() == Some("extern") && matches!(code.get(i + 1), Some(Tok::Str(_))) {
            i += 2;
            if code.get(i).is_some_and(|t| t.is("{")) {
                i += 1;
            }
            continue;
        }
        if cur.is_empty() && t.is("}") {
            i += 1; // end of an extern "C" block
            continue;
        }
        if t.is("{") {
            // A struct/union/enum body (or a function body): skip it.
            let close = matching(code, i)?;
            let is_fn_body = cur.last().is_some_and(|p| p.is(")"));
            i = close + 1;
            if is_fn_body {
                decls.push(std::mem::take(&mut cur));
            } else {
                cur.push(Tok::Punct("{"));
                cur.push(Tok::Punct("}"));
            }
            continue;
        }
        if t.is(";") {
            decls.push(std::mem::take(&mut cur));
        } else {
            cur.push(t.clone());
        }
        i += 1;
    }
    let mut found: Vec<FnDecl> = Vec::new();
    for d in decls {
        let d = strip_decorations(&d)?;
        if d.is_empty() {
            continue;
        }
        let text = render(&d);
        if d.first().and_then(Tok::ident) == Some("typedef") {
            let decl = parse_declaration(&d[1..]).map_err(|e| format!("{e} in `{text}`"))?;
            let Some(name) = decl.name else { continue };
            let target = match &decl.ty {
                CType::Named { .. } if decl.tagged => None,
                t => Some(t.clone()),
            };
            hdr.typedefs.insert(name, target);
            continue;
        }
        let decl = parse_declaration(&d).map_err(|e| format!("{e} in `{text}`"))?;
        if let (Some(name), CType::Func { .. }) = (decl.name, &decl.ty) {
            let f = FnDecl {
                name: name.clone(),
                text: format!("{text};"),
                ty: decl.ty,
            };
            found.push(f);
        }
    }
    // Canonicalise now that every typedef is known.
    for mut f in found {
        f.ty = canonical(&f.ty, &hdr.typedefs);
        match hdr.functions.get(&f.name) {
            Some(g) if g.ty != f.ty => hdr.conflicts.push(format!(
                "{}: declared twice as\n    {}\n    {}",
                f.name, g.text, f.text
            )),
            _ => {
                hdr.functions.insert(f.name.clone(), f);
            }
        }
    }
    Ok(())
}

/// Joins tokens into readable C text.
pub fn render(toks: &[Tok]) -> String {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        let glue_left = t.is(",") || t.is(")") || t.is(";") || t.is("]");
        let prev_open = k > 0 && (toks[k - 1].is("(") || toks[k - 1].is("["));
        // `char *name`, but `char *const name`.
        let name_after_star =
            k > 0 && toks[k - 1].is("*") && t.ident().is_some_and(|n| n != "const");
        if k > 0 && !glue_left && !prev_open && !name_after_star {
            s.push(' ');
        }
        s.push_str(&t.to_string());
    }
    s
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// Everything the check needs, already read from disk.
pub struct Inputs<'a> {
    /// cbindgen's C rendering of src/ffi and src/consts.rs.
    pub rust_c: &'a str,
    /// The text of src/consts.rs (for the `&CStr` constants).
    pub consts_rs: &'a str,
    /// include/zmq.h.
    pub zmq_h: &'a str,
    /// Other headers: (file name, text). zmq_utils.h, rampart.h.
    pub other_headers: Vec<(&'a str, &'a str)>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Mismatches that must fail the build.
    pub errors: Vec<String>,
    /// Stable zmq.h functions the Rust side does not export yet.
    pub missing_stable: Vec<String>,
    /// Draft zmq.h functions the Rust side does not export yet.
    pub missing_draft: Vec<String>,
    /// Functions exported by Rust.
    pub exported: BTreeSet<String>,
}

/// Macros zmq.h defines that are plumbing rather than API values, so have
/// no counterpart in src/consts.rs.
pub const HEADER_ONLY_MACROS: &[&str] = &[
    "ZMQ_EXPORT",
    "ZMQ_DEFINED_STDINT",
    "ZMQ_HAVE_TIMERS",
    "ZMQ_HAVE_POLLER",
    "ZMQ_MAKE_VERSION",
];

/// The platform zmq.h is evaluated for: Linux with GCC, C (not C++), not
/// strict ISO mode.
pub const LINUX_GCC: &[(&str, &str)] = &[
    ("__GNUC__", "12"),
    ("__GNUC_MINOR__", "2"),
    ("__linux__", "1"),
    ("__unix__", "1"),
    ("__STDC__", "1"),
    ("__STDC_VERSION__", "201710L"),
    ("__x86_64__", "1"),
    ("__LP64__", "1"),
];

pub fn stable_and_full(zmq_h: &str) -> Result<(Header, Header), String> {
    let stable = parse_header(zmq_h, LINUX_GCC, false).map_err(|e| format!("zmq.h: {e}"))?;
    let mut with_draft: Vec<(&str, &str)> = LINUX_GCC.to_vec();
    with_draft.push(("ZMQ_BUILD_DRAFT_API", "1"));
    let full = parse_header(zmq_h, &with_draft, false).map_err(|e| format!("zmq.h: {e}"))?;
    Ok((stable, full))
}

/// `pub const NAME: &CStr = c"value";` items of a Rust file.
pub fn rust_cstr_consts(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some((ty, value)) = rest.split_once('=') else {
            continue;
        };
        if !ty.contains("CStr") {
            continue;
        }
        let v = value.trim().trim_end_matches(';').trim();
        if let Some(inner) = v.strip_prefix("c\"").and_then(|v| v.strip_suffix('"')) {
            out.push((name.trim().to_string(), unescape(inner)));
        }
    }
    out
}

/// Names of every `pub const` in a Rust file (any type).
pub fn rust_const_names(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|r| r.split_once(':'))
        .map(|(n, _)| n.trim().to_string())
        .collect()
}

/// Runs checks (a), (b) and (c). See build.rs.
pub fn run(inputs: &Inputs<'_>) -> Outcome {
    let mut out = Outcome::default();
    let (stable, full) = match stable_and_full(inputs.zmq_h) {
        Ok(h) => h,
        Err(e) => {
            out.errors.push(format!("cannot parse include/zmq.h: {e}"));
            return out;
        }
    };
    let mut headers: Vec<(String, Header)> = vec![("include/zmq.h".into(), full)];
    for (name, text) in &inputs.other_headers {
        let mut pre: Vec<(&str, &str)> = LINUX_GCC.to_vec();
        pre.push(("ZMQ_BUILD_DRAFT_API", "1"));
        match parse_header(text, &pre, false) {
            Ok(h) => headers.push((format!("include/{name}"), h)),
            Err(e) => out.errors.push(format!("cannot parse include/{name}: {e}")),
        }
    }
    let rust = match parse_header(inputs.rust_c, &[], true) {
        Ok(h) => h,
        Err(e) => {
            out.errors
                .push(format!("cannot parse cbindgen's output: {e}"));
            return out;
        }
    };

    for (file, h) in &headers {
        for c in &h.conflicts {
            out.errors.push(format!("{file}: {c}"));
        }
    }
    for c in &rust.conflicts {
        out.errors.push(format!("Rust exports: {c}"));
    }

    // Headers must agree with each other where they declare the same name.
    let mut declared: BTreeMap<String, (String, FnDecl)> = BTreeMap::new();
    for (file, h) in &headers {
        for f in h.functions.values() {
            match declared.get(&f.name) {
                Some((other_file, g)) if g.ty != f.ty => out.errors.push(format!(
                    "{}: declared differently in two headers\n    {other_file}: {}\n    {file}: {}",
                    f.name, g.text, f.text
                )),
                Some(_) => {}
                None => {
                    declared.insert(f.name.clone(), (file.clone(), f.clone()));
                }
            }
        }
    }

    // (a) every exported function is declared with the same prototype.
    for f in rust.functions.values() {
        out.exported.insert(f.name.clone());
        match declared.get(&f.name) {
            None => out.errors.push(format!(
                "{}: exported by Rust but declared in no header (include/zmq.h, zmq_utils.h, rampart.h)\n    Rust: {}",
                f.name, f.text
            )),
            Some((file, h)) if h.ty != f.ty => out.errors.push(format!(
                "{}: prototype differs between header and Rust\n    {file}: {}\n    Rust (cbindgen): {}\n    compared as: header `{}` vs Rust `{}`",
                f.name, h.text, f.text, h.ty, f.ty
            )),
            Some(_) => {}
        }
    }

    // (b) every constant of src/consts.rs equals the header's #define.
    let mut checked: HashSet<String> = HashSet::new();
    for (name, m) in &rust.defines {
        if m.params.is_some() {
            continue;
        }
        checked.insert(name.clone());
        let Some((file, h)) = headers.iter().find(|(_, h)| h.defines.contains_key(name)) else {
            out.errors.push(format!(
                "{name}: defined on the Rust side (src/consts.rs or src/ffi) \
                 but #defined in no header (Rust value: {})",
                m.body_text()
            ));
            continue;
        };
        let header_text = h
            .defines
            .get(name)
            .map(Macro::body_text)
            .unwrap_or_default();
        match (h.int_value(name), rust.int_value(name)) {
            (Ok(hv), Ok(rv)) if hv != rv => out.errors.push(format!(
                "{name}: value differs\n    {file}: #define {name} {header_text}  (= {hv})\n    \
                 Rust (src/consts.rs): {}  (= {rv})",
                m.body_text()
            )),
            (Ok(_), Ok(_)) => {}
            (Err(e), _) => out.errors.push(format!(
                "{name}: cannot evaluate the #define in {file}: {e}"
            )),
            (_, Err(e)) => out
                .errors
                .push(format!("{name}: cannot evaluate the Rust constant: {e}")),
        }
    }
    for (name, value) in rust_cstr_consts(inputs.consts_rs) {
        checked.insert(name.clone());
        let h = headers
            .iter()
            .find_map(|(file, h)| h.str_value(&name).map(|v| (file, v)));
        match h {
            None => out.errors.push(format!(
                "{name}: string constant in src/consts.rs but no string #define in any header"
            )),
            Some((file, hv)) if hv != value => out.errors.push(format!(
                "{name}: value differs\n    {file}: \"{hv}\"\n    src/consts.rs: c\"{value}\""
            )),
            Some(_) => {}
        }
    }
    for name in rust_const_names(inputs.consts_rs) {
        if !checked.contains(&name) {
            out.errors.push(format!(
                "{name}: constant in src/consts.rs that the check cannot read (cbindgen printed nothing for it; use a plain integer type or &CStr)"
            ));
        }
    }
    // ... and zmq.h defines no API value that src/consts.rs lacks.
    for (file, h) in headers.iter().take(1) {
        for (name, m) in &h.defines {
            if !name.starts_with("ZMQ_")
                || m.params.is_some()
                || HEADER_ONLY_MACROS.contains(&name.as_str())
            {
                continue;
            }
            if !checked.contains(name) {
                out.errors.push(format!(
                    "{name}: #defined in {file} ({}) but missing from src/consts.rs",
                    m.body_text()
                ));
            }
        }
    }

    // (c) every zmq.h function is exported.
    for name in stable.functions.keys() {
        if !out.exported.contains(name) {
            out.missing_stable.push(name.clone());
        }
    }
    if let Some((_, full)) = headers.first() {
        for name in full.functions.keys() {
            if !stable.functions.contains_key(name) && !out.exported.contains(name) {
                out.missing_draft.push(name.clone());
            }
        }
    }
    out
}
