//! A scripted HTTP/1.1 server on 127.0.0.1 for fetch tests: each path answers a queue of
//! replies (the last one repeats), and every request is recorded.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub enum Reply {
    /// 200 with this body.
    Ok(Vec<u8>),
    /// This status and a short body.
    Status(u16),
    /// Declares `Content-Length` of the full body but closes after `sent` bytes.
    Truncated(Vec<u8>, usize),
    /// Waits before answering.
    Delay(Duration, Box<Reply>),
    /// Closes the connection without answering (a reset, as seen by the client).
    Close,
    /// `302 Found` to this address.
    Redirect(String),
    /// 200 with this `Content-Type` and body.
    Typed(&'static str, Vec<u8>),
    /// 200 without `Content-Length`: the body ends when the connection closes.
    Unsized(Vec<u8>),
}

#[derive(Clone, Default)]
struct State {
    routes: BTreeMap<String, VecDeque<Reply>>,
    hits: Vec<String>,
}

pub struct Server {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let s = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || serve(stream, s));
            }
        });
        Server { port, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sets the replies of a path, in order; the last one repeats.
    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        self.state.lock().expect("lock").routes.insert(path.to_string(), replies.into());
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state.lock().expect("lock").hits.iter().filter(|h| *h == path).count()
    }
}

fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).map(|n| n == 0).unwrap_or(true) || h == "\r\n" {
            break;
        }
    }
    let reply = {
        let mut st = state.lock().expect("lock");
        st.hits.push(path.clone());
        match st.routes.get_mut(&path) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    let mut out = stream;
    write_reply(&mut out, reply.unwrap_or(Reply::Status(404)));
}

fn write_reply(out: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Ok(body) => {
            let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = out.write_all(&body);
        }
        Reply::Status(code) => {
            let body = format!("status {code}");
            let _ =
                write!(out, "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
        Reply::Truncated(body, sent) => {
            let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = out.write_all(&body[..sent.min(body.len())]);
        }
        Reply::Close => {
            let _ = out.shutdown(std::net::Shutdown::Both);
        }
        Reply::Redirect(to) => {
            let _ =
                write!(out, "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
        Reply::Typed(ct, body) => {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = out.write_all(&body);
        }
        Reply::Unsized(body) => {
            let _ = write!(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let _ = out.write_all(&body);
        }
        Reply::Delay(d, inner) => {
            std::thread::sleep(d);
            write_reply(out, *inner);
        }
    }
    let _ = out.flush();
}
