//! A tiny HTTP/1.1 responder for the browser tests: one request per connection, just enough of
//! the protocol for Chromium to load a form, post it, keep a cookie and fetch an image.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The value the `/submit` response sets as the `session` cookie.
pub const SESSION: &str = "s3cret-token";

#[derive(Debug)]
pub struct TestServer {
    pub base: String,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start() -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the test HTTP server");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // A browser that hangs up mid-request is not the test's concern.
                let _ = serve(stream).await;
            });
        }
    });
    TestServer { base, task }
}

struct Request {
    method: String,
    path: String,
    cookie: Option<String>,
    body: Vec<u8>,
}

async fn serve(mut stream: TcpStream) -> io::Result<()> {
    let Some(req) = read_request(&mut stream).await? else {
        return Ok(());
    };
    let (status, ctype, extra, body): (&str, &str, String, Vec<u8>) = match (
        req.method.as_str(),
        req.path.as_str(),
    ) {
        // Without a charset the browser would post the form in windows-1252.
        ("GET", "/") => (
            "200 OK",
            "text/html; charset=utf-8",
            String::new(),
            FORM.as_bytes().to_vec(),
        ),
        ("POST", "/submit") => {
            let form = String::from_utf8_lossy(&req.body).into_owned();
            let name = field(&form, "name");
            let colour = field(&form, "colour");
            let page = format!(
                "<!doctype html><title>Thanks</title><p id=\"echo\">{}</p><p id=\"colour\">{}</p>\
                 <img id=\"logo\" src=\"/img.png\" alt=\"logo\"><img id=\"broken\" src=\"/missing.png\" alt=\"\">\
                 <a id=\"next\" href=\"/cookie\">next</a>",
                escape(&name),
                escape(&colour)
            );
            let cookie = format!("Set-Cookie: session={SESSION}; Path=/; HttpOnly\r\n");
            (
                "200 OK",
                "text/html; charset=utf-8",
                cookie,
                page.into_bytes(),
            )
        }
        ("GET", "/cookie") => {
            let cookie = req.cookie.unwrap_or_else(|| "none".into());
            let page = format!(
                "<!doctype html><title>Cookie</title><p id=\"cookie\">{}</p>",
                escape(&cookie)
            );
            (
                "200 OK",
                "text/html; charset=utf-8",
                String::new(),
                page.into_bytes(),
            )
        }
        ("GET", "/img.png") => ("200 OK", "image/png", String::new(), tiny_png()),
        _ => (
            "404 Not Found",
            "text/plain",
            String::new(),
            b"not found".to_vec(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await
}

const FORM: &str = r#"<!doctype html>
<html><head><title>Sign in</title></head><body>
<h1>Sign in</h1>
<form method="post" action="/submit">
  <input id="name" name="name" type="text">
  <select id="colour" name="colour"><option value="red">Red</option><option value="blue">Blue</option></select>
  <button id="go" type="submit">Send</button>
</form>
</body></html>"#;

async fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default().to_owned(),
        first.next().unwrap_or_default().to_owned(),
    );
    let (mut length, mut cookie) = (0, None);
    for (name, value) in lines.filter_map(|l| l.split_once(':')) {
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "cookie" => cookie = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Request {
        method,
        path,
        cookie,
        body,
    }))
}

/// One field of an `application/x-www-form-urlencoded` body, decoded.
fn field(form: &str, key: &str) -> String {
    let raw = form
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v);
    let mut out = Vec::new();
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
            }
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A 4x4 opaque teal RGB image.
fn tiny_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 4, 4);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer
        .write_image_data(&[0, 128, 128].repeat(16))
        .expect("png data");
    writer.finish().expect("png end");
    out
}
