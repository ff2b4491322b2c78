//! A bare SMTP server on loopback for the mail tests: it hands each accepted message's
//! DATA over, and answers `RCPT TO` for chosen recipients with a chosen reply (`550 …`
//! refuses for good, `451 …` for now), which the test may change while it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub struct SmtpServer {
    pub port: u16,
    /// Each accepted message's DATA, in order.
    pub received: tokio::sync::mpsc::UnboundedReceiver<String>,
    /// Recipient → the reply to its `RCPT TO` (any other recipient gets `250 OK`).
    pub replies: Arc<Mutex<HashMap<String, String>>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, received) = tokio::sync::mpsc::unbounded_channel();
        let replies = Arc::new(Mutex::new(HashMap::<String, String>::new()));
        let rules = replies.clone();
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let (tx, rules) = (tx.clone(), rules.clone());
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(body) = data.as_mut() {
                            if line == "." {
                                let _ = tx.send(data.take().unwrap());
                                write.write_all(b"250 queued\r\n").await.unwrap();
                            } else {
                                body.push_str(&line);
                                body.push('\n');
                            }
                            continue;
                        }
                        let verb = line
                            .split([' ', ':'])
                            .next()
                            .unwrap_or("")
                            .to_ascii_uppercase();
                        let answer = match verb.as_str() {
                            "EHLO" => "250-test\r\n250 8BITMIME\r\n".to_owned(),
                            "RCPT" => {
                                let to = line
                                    .split_once('<')
                                    .and_then(|(_, rest)| rest.split_once('>'))
                                    .map(|(address, _)| address.to_owned())
                                    .unwrap_or_default();
                                let reply = rules.lock().unwrap().get(&to).cloned();
                                reply.map_or("250 OK\r\n".to_owned(), |r| format!("{r}\r\n"))
                            }
                            "DATA" => {
                                data = Some(String::new());
                                "354 go on\r\n".to_owned()
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => "250 OK\r\n".to_owned(),
                        };
                        if write.write_all(answer.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self {
            port,
            received,
            replies,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answers `RCPT TO:<to>` with `reply` from now on (`None`: accept again).
    pub fn reply_to(&self, to: &str, reply: Option<&str>) {
        let mut replies = self.replies.lock().unwrap();
        match reply {
            Some(r) => replies.insert(to.to_owned(), r.to_owned()),
            None => replies.remove(to),
        };
    }

    /// Every message received so far.
    pub fn drain(&mut self) -> Vec<String> {
        let mut all = Vec::new();
        while let Ok(m) = self.received.try_recv() {
            all.push(m);
        }
        all
    }
}
