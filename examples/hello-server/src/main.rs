//! A minimal HTTP service with no dependencies: `/` answers a greeting and
//! the user it runs as, `/healthz` answers `ok`, anything else is looked up
//! under `public/` in the working directory.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}"))?;
    println!("hello-server listening on port {port}");
    for stream in listener.incoming().flatten() {
        if let Err(e) = handle(stream) {
            eprintln!("request failed: {e}");
        }
    }
    Ok(())
}

fn handle(mut stream: TcpStream) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let target = request_line.split(' ').nth(1).unwrap_or("/");
    let (status, body) = match target {
        "/" => ("200 OK", greeting()),
        "/healthz" => ("200 OK", "ok\n".to_string()),
        path => match public_file(path) {
            Some(text) => ("200 OK", text),
            None => ("404 Not Found", format!("no such page: {path}\n")),
        },
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn greeting() -> String {
    let text = std::env::var("HELLO_GREETING").unwrap_or_else(|_| "Hello".to_string());
    format!("{text}, running as uid {}\n", uid().unwrap_or_else(|| "unknown".to_string()))
}

/// The real user id, read from procfs so the service needs no libc crate.
fn uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1).map(str::to_string)
}

/// Serves files from `public/`, refusing paths that climb out of it.
fn public_file(path: &str) -> Option<String> {
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|part| part == ".." || part.is_empty()) {
        return None;
    }
    std::fs::read_to_string(std::path::Path::new("public").join(rel)).ok()
}
