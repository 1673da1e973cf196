//! The commands typed at `SAC>` and `!SAC>`: dispatch by prefix in the driver's order (§2), the
//! channel commands (§4.1-4.5), machine information (§4.6-4.11), lock, power and crash.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::driver::{SacDriver, Timer};
use super::lineedit::normalize;
use super::settings::{CmdFailure, NicSetting};
use super::text;
use super::View;
use crate::machine::MachineInfo;

/// Lines SAC shows before `----Press <Enter> for more----` (a 24-row screen less the prompt).
const SAC_PAGE: usize = 23;

/// The commands matched by prefix, in the driver's order; the rest need the exact word.
const PREFIX_ORDER: &[&str] =
    &["t", "?", "help", "f", "p", "id", "crashdump", "lock", "shutdown", "restart", "d", "cmd"];
const EXACT_ORDER: &[&str] = &["ch", "k", "l", "r", "m", "s", "i"];

/// Which command a normalised line runs, with its argument text.
pub fn dispatch(line: &str) -> Option<(&'static str, &str)> {
    for &cmd in PREFIX_ORDER {
        if let Some(rest) = line.strip_prefix(cmd) {
            return Some((cmd, rest.trim()));
        }
    }
    for &cmd in EXACT_ORDER {
        if line == cmd {
            return Some((cmd, ""));
        }
        if let Some(rest) = line.strip_prefix(cmd).and_then(|r| r.strip_prefix(' ')) {
            return Some((cmd, rest.trim()));
        }
    }
    None
}

impl SacDriver {
    /// Runs one line submitted at the prompt.
    pub(super) fn run_sac_line(&mut self, raw: &str, now: Instant) {
        let line = normalize(raw);
        if self.crashed {
            self.run_crash_line(&line, now);
            return;
        }
        if line.is_empty() {
            self.sac_write(text::PROMPT);
            return;
        }
        let Some((cmd, args)) = dispatch(&line) else {
            self.sac_write(text::UNRECOGNIZED);
            self.sac_write(text::PROMPT);
            return;
        };
        let args = args.to_string();
        let reply = match cmd {
            "?" | "help" => text::HELP.to_string(),
            "t" => {
                let list = self.tlist();
                self.sac_paged(&list);
                return;
            }
            "f" => {
                self.thread_info = !self.thread_info;
                on_off("Thread information is now", self.thread_info)
            }
            "p" => {
                self.paging = !self.paging;
                on_off("Paging is now", self.paging)
            }
            "id" => self.id_text(now),
            "d" => String::new(),
            "lock" => {
                self.lock_all(now);
                text::LOCKED.to_string()
            }
            "cmd" => self.cmd_command(now),
            "ch" => match self.ch_command(&args, now) {
                Some(reply) => reply,
                None => return,
            },
            "k" | "l" | "r" | "m" => self.process_command(cmd, &args),
            "s" => self.time_command(&args),
            "i" => self.ip_command(&args),
            "restart" => {
                self.sac_write(text::PROMPT);
                self.add_timer(now, Timer::Reboot);
                return;
            }
            "shutdown" => {
                self.sac_write(text::PROMPT);
                self.go_down(now, false);
                self.add_timer(now, Timer::PowerOff);
                return;
            }
            "crashdump" => {
                self.crash();
                return;
            }
            _ => text::UNRECOGNIZED.to_string(),
        };
        self.sac_write(&reply);
        self.sac_write(text::PROMPT);
    }

    /// Shows a long reply a screenful at a time when paging is on (§4.9): 23 lines, then
    /// `----Press <Enter> for more----` until Enter.
    pub(super) fn sac_paged(&mut self, reply: &str) {
        let mut lines: std::collections::VecDeque<String> =
            reply.split_inclusive('\n').map(str::to_string).collect();
        if !self.paging || lines.len() <= SAC_PAGE {
            self.sac_write(reply);
            self.sac_write(self.prompt());
            return;
        }
        let first: String = lines.drain(..SAC_PAGE).collect();
        self.sac_write(&first);
        self.sac_write(text::SAC_MORE);
        self.sac_more = Some(lines);
    }

    /// A key while `----Press <Enter> for more----` is up: Enter shows the next page, Ctrl-C
    /// ends the listing; other keys are ignored. GUESS: the exact keys are not documented.
    pub(super) fn sac_more_key(&mut self, c: char) {
        let Some(mut lines) = self.sac_more.take() else { return };
        match c {
            '\r' | '\n' => {}
            '\x03' => lines.clear(),
            _ => {
                self.sac_more = Some(lines);
                return;
            }
        }
        self.sac_write("\r\n");
        if lines.len() > SAC_PAGE {
            let page: String = lines.drain(..SAC_PAGE).collect();
            self.sac_write(&page);
            self.sac_write(text::SAC_MORE);
            self.sac_more = Some(lines);
        } else {
            let rest: String = lines.drain(..).collect();
            self.sac_write(&rest);
            self.sac_write(self.prompt());
        }
    }

    fn run_crash_line(&mut self, line: &str, now: Instant) {
        let reply = match line {
            "" => String::new(),
            "?" | "help" => text::CRASH_HELP.to_string(),
            "id" => self.id_text(now),
            "d" => String::new(),
            "q" => {
                self.crash_quit = true;
                return;
            }
            "restart" => {
                self.sac_write(text::CRASH_PROMPT);
                self.add_timer(now, Timer::Reboot);
                return;
            }
            _ => text::UNRECOGNIZED.to_string(),
        };
        self.sac_write(&reply);
        self.sac_write(text::CRASH_PROMPT);
    }

    /// `cmd`: launch a Cmd channel, or say why not (§4.5).
    fn cmd_command(&mut self, now: Instant) -> String {
        match self.cfg.cmd_failure {
            CmdFailure::Disabled => return text::CMD_DISABLED.into(),
            CmdFailure::NotRegistered => return text::CMD_NOT_REGISTERED.into(),
            CmdFailure::Timeout => return text::CMD_TIMEOUT.into(),
            CmdFailure::Failed => return text::CMD_FAILED.into(),
            CmdFailure::None => {}
        }
        if !self.cmd_available {
            return text::CMD_NOT_REGISTERED.into();
        }
        match self.create_cmd_channel(now) {
            None => text::MAX_CHANNELS.into(),
            Some(slot) => {
                let name = self.slot_name(slot);
                let at = now + Duration::from_millis(self.cfg.channel_event_delay_ms);
                self.add_timer(at, Timer::ChannelCreated(name));
                text::CMD_LAUNCHED.into()
            }
        }
    }

    /// The `ch` family. `None` when the command switched away from SAC (no reply on the wire).
    fn ch_command(&mut self, args: &str, now: Instant) -> Option<String> {
        let mut words = args.split_whitespace();
        let opt = words.next();
        let value = words.next();
        let extra = words.next().is_some();
        Some(match (opt, value, extra) {
            (None, _, _) => self.channel_list(),
            (Some("-?"), None, _) => text::CH_HELP.into(),
            (Some("-si" | "-ci"), Some(v), false) => {
                let Ok(idx) = v.parse::<usize>() else { return Some(text::BAD_PARAMETER.into()) };
                let exists = self.slots.get(idx).is_some_and(Option::is_some);
                if opt == Some("-ci") && idx == 0 {
                    text::ERR_SAC_CANNOT_CLOSE.into()
                } else if !exists {
                    text::ERR_NO_CHANNEL_AT_INDEX.into()
                } else if opt == Some("-si") {
                    self.switch_from_sac(idx, now);
                    return None;
                } else {
                    self.sac_write(text::PROMPT);
                    self.close_channel(idx);
                    return None;
                }
            }
            (Some("-sn" | "-cn"), Some(v), false) => {
                let found = self
                    .slots
                    .iter()
                    .position(|c| c.as_ref().is_some_and(|c| c.name.eq_ignore_ascii_case(v)));
                match found {
                    None => text::ERR_NO_CHANNEL_NAMED.into(),
                    Some(0) if opt == Some("-cn") => text::ERR_SAC_CANNOT_CLOSE.into(),
                    Some(idx) if opt == Some("-sn") => {
                        self.switch_from_sac(idx, now);
                        return None;
                    }
                    Some(idx) => {
                        self.sac_write(text::PROMPT);
                        self.close_channel(idx);
                        return None;
                    }
                }
            }
            _ => text::BAD_PARAMETER.into(),
        })
    }

    /// `ch -si` / `ch -sn`: SAC's screen gets its next prompt (seen on return), the terminal the
    /// switch screen. GUESS: whether the prompt is written before the switch is not documented.
    fn switch_from_sac(&mut self, idx: usize, _now: Instant) {
        self.view = View::Switch(0);
        self.sac_write(text::PROMPT);
        self.show_switch(idx);
    }

    fn channel_list(&self) -> String {
        let mut s = text::CH_LIST_HEAD.to_string();
        for (i, ch) in self.slots.iter().enumerate() {
            if let Some(ch) = ch {
                s.push_str(&format!("{i} ({})    {}\r\n", ch.status(), ch.name));
            }
        }
        s
    }

    /// Machine facts, with profile defaults where the machine leaves them empty.
    pub(super) fn machine_info(&self) -> MachineInfo {
        let mut info = self.machine.info();
        let (build, product) = match self.cfg.profile {
            super::Profile::Ws2022 => ("20348", "Windows Server 2022 Datacenter"),
            super::Profile::Ws2019 => ("17763", "Windows Server 2019 Datacenter"),
            super::Profile::Ws2016 => ("14393", "Windows Server 2016 Datacenter"),
        };
        if info.computer_name.is_empty() {
            info.computer_name = "SACDOC-VM".into();
        }
        if info.guid.is_empty() {
            info.guid = "7d2c0f3e-5a61-4c1e-9b8a-2f6f1d3e4c50".into();
        }
        if info.build.is_empty() {
            info.build = build.into();
        }
        if info.product.is_empty() {
            info.product = product.into();
        }
        for (v, d) in [(&mut info.architecture, "AMD64"), (&mut info.service_pack, "None")] {
            if v.is_empty() {
                *v = d.into();
            }
        }
        if info.version.is_empty() {
            info.version = "10.0".into();
        }
        info
    }

    /// `id` (§4.8): labels right-aligned, then the uptime.
    fn id_text(&self, now: Instant) -> String {
        let info = self.machine_info();
        let up = now.duration_since(self.booted_at).as_secs().max(self.machine.uptime_secs());
        let rows = [
            ("Computer Name:", info.computer_name),
            ("Computer GUID:", info.guid),
            ("Processor Architecture:", info.architecture),
            ("Build Number:", info.build),
            ("Product:", info.product),
            ("Applied Service Pack:", info.service_pack),
            ("Version Number:", info.version),
        ];
        let mut s: String = rows.iter().map(|(l, v)| format!("{l:>25} {v}\r\n")).collect();
        s.push_str(&format!(
            "{:>25} {}:{:02}:{:02}\r\n",
            "Time since last reboot:",
            up / 3600,
            up / 60 % 60,
            up % 60
        ));
        s
    }

    /// `crashdump`: Stop 0xE2 with the bugcheck XML, then `!SAC>` (§6.6).
    pub(super) fn crash(&mut self) {
        let info = self.machine_info();
        self.timers.retain(|(_, t)| matches!(t, Timer::PowerOn));
        self.slots.iter_mut().skip(1).for_each(|s| *s = None);
        self.view = View::Channel(0);
        self.term = None;
        self.crashed = true;
        let s = format!(
            "<INSTANCE CLASSNAME=\"BLUESCREEN\">\r\n\
             <PROPERTY NAME=\"STOPCODE\" TYPE=\"string\"><VALUE>\"0xE2\"</VALUE></PROPERTY>\
             <machine-info>\r\n\
             <name>{}</name>\r\n\
             <guid>{}</guid>\r\n\
             <processor-architecture>{}</processor-architecture>\r\n\
             <os-version>{}</os-version>\r\n\
             <os-build-number>{}</os-build-number>\r\n\
             <os-product>{}</os-product>\r\n\
             <os-service-pack>{}</os-service-pack>\r\n\
             </machine-info>\r\n\
             </INSTANCE>\r\n\
             \r\n\
             !SAC>\r\n\
             Your PC ran into a problem and needs to restart.\r\n\
             If you call a support person, give them this info:\r\n\
             MANUALLY_INITIATED_CRASH\r\n\
             \r\n\
             We're just collecting some error info, and then we'll restart for you. 0% complete\r\n",
            info.computer_name,
            info.guid,
            info.architecture,
            info.version,
            info.build,
            info.product,
            info.service_pack
        );
        self.sac_write(&s);
    }

    /// `lock`: every Cmd channel asks for credentials again.
    fn lock_all(&mut self, now: Instant) {
        for slot in 1..self.slots.len() {
            if self.slots[slot].as_ref().and_then(|c| c.cmd.as_ref()).is_some_and(|c| c.logged_in())
            {
                self.lock_channel(slot, now);
            }
        }
    }

    /// `t` (§4.9), from the machine's processes. GUESS: no real capture exists; rows follow
    /// message 77's format, and the times, faults, commit, priority, handle and thread counts the
    /// machine does not model are made up from the PID so they stay stable.
    fn tlist(&self) -> String {
        let mut s = String::from(
            "    User Time   Kernel Time    Ws   Faults  Commit Pri Hnd Thd  Pid Name\r\n",
        );
        for p in self.machine.processes() {
            let pid = u64::from(p.pid);
            let pri = if self.lowered.contains(&p.pid) { 4 } else { 8 };
            s.push_str(&format!(
                "{:>3}:{:02}:{:02}.{:03} {:>3}:{:02}:{:02}.{:03}{:>6} {:>8} {:>7} {:>2} {:>4} {:>3} {:>4} {}\r\n",
                0,
                0,
                pid % 60,
                pid * 7 % 1000,
                0,
                0,
                pid * 3 % 60,
                pid * 13 % 1000,
                p.mem_kb,
                p.mem_kb / 4,
                p.mem_kb / 2,
                pri,
                100 + pid % 900,
                1 + pid % 30,
                p.pid,
                p.image
            ));
        }
        s
    }

    /// `k`, `l`, `r`, `m` (§4.11).
    fn process_command(&mut self, cmd: &str, args: &str) -> String {
        let mut words = args.split_whitespace();
        let Some(pid) = words.next().and_then(|w| w.parse::<u32>().ok()) else {
            return text::BAD_PARAMETER.into();
        };
        let exists = pid > 4 && self.machine.processes().iter().any(|p| p.pid == pid);
        let reply = match cmd {
            "k" if exists && self.machine.kill(pid) => "SAC successfully terminated the process.",
            "k" => "SAC failed to terminate the process.",
            "l" if exists => {
                if !self.lowered.contains(&pid) {
                    self.lowered.push(pid);
                }
                "SAC successfully lowered the process priority."
            }
            "l" => "SAC failed to lower the process priority.",
            "r" if exists && self.lowered.contains(&pid) => {
                self.lowered.retain(|&p| p != pid);
                "SAC successfully raised the process priority."
            }
            "r" if exists => {
                "SAC cannot raise the priority of a process that was not previously lowered."
            }
            "r" => "SAC failed to raise the process priority.",
            _ => match words.next().and_then(|w| w.parse::<u64>().ok()) {
                None => return text::BAD_PARAMETER.into(),
                Some(_) if exists => "SAC successfully limited the available process memory.",
                Some(_) => "SAC failed to limit the available process memory.",
            },
        };
        format!("{reply}\r\n")
    }

    /// `s` and `s mm/dd/yyyy hh:mm` (§4.10).
    fn time_command(&mut self, args: &str) -> String {
        let (secs, ms) = super::clock::now_unix();
        if args.is_empty() {
            let (y, mo, d, h, mi, s) = super::clock::civil(secs + self.clock_offset_s);
            return format!(
                "Date: {mo:02}/{d:02}/{y:02}  Time (GMT): {h:02}:{mi:02}:{s:02}:{ms:04}\r\n"
            );
        }
        let mut words = args.split_whitespace();
        let date = words.next().unwrap_or_default();
        let time = words.next().unwrap_or_default();
        let parts: Vec<u32> = date.split('/').filter_map(|p| p.parse().ok()).collect();
        let hm: Vec<u32> = time.split(':').filter_map(|p| p.parse().ok()).collect();
        let (&[mo, d, y], &[h, mi]) = (parts.as_slice(), hm.as_slice()) else {
            return text::BAD_PARAMETER.into();
        };
        if !(1980..=2099).contains(&y) {
            return "The year is restricted from 1980 to 2099.\r\n".into();
        }
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 {
            return text::BAD_PARAMETER.into();
        }
        // GUESS: a day the month lacks (2/30) is refused like any other bad value.
        let Some(target) = super::clock::unix_of(i64::from(y), mo, d, h, mi) else {
            return text::BAD_PARAMETER.into();
        };
        self.clock_offset_s = target - secs;
        format!("Date: {mo:02}/{d:02}/{y:02}  Time (GMT): {h:02}:{mi:02}\r\n")
    }

    /// `i` and `i <#> <ip> <subnet> <gateway>` (§4.6, §4.7).
    fn ip_command(&mut self, args: &str) -> String {
        let words: Vec<&str> = args.split_whitespace().collect();
        if self.nics.is_empty() {
            // GUESS: SAC's interface numbers are not the machine's; number them from 10.
            self.nics = (10..)
                .zip(self.machine.nics())
                .map(|(net, (ip, subnet, gateway))| NicSetting { net, ip, subnet, gateway })
                .collect();
        }
        if words.is_empty() {
            if self.nics.is_empty() {
                return "There are no IP Addresses available.\r\n".into();
            }
            return self
                .nics
                .iter()
                .map(|n| {
                    format!(
                        "Net: {}, Ip={}  Subnet={}  Gateway={}\r\n",
                        n.net, n.ip, n.subnet, n.gateway
                    )
                })
                .collect();
        }
        let Ok(net) = words[0].parse::<u32>() else {
            return "Error, missing network interface number.\r\n".into();
        };
        if words.len() != 4 {
            return text::BAD_PARAMETER.into();
        }
        let valid = |s: &str| s.parse::<Ipv4Addr>().is_ok();
        if !valid(words[1]) {
            return "The specified IP address is invalid.\r\n".into();
        }
        if !valid(words[2]) {
            return "The specified subnet mask is invalid.\r\n".into();
        }
        if !valid(words[3]) {
            return "The specified gateway IP address is invalid.\r\n".into();
        }
        match self.nics.iter_mut().find(|n| n.net == net) {
            None => "SAC could not set the IP Address.\r\n".into(),
            Some(n) => {
                n.ip = words[1].into();
                n.subnet = words[2].into();
                n.gateway = words[3].into();
                "SAC successfully set the IP Address, subnet mask, and gateway.\r\n".into()
            }
        }
    }
}

fn on_off(what: &str, on: bool) -> String {
    format!("{what} {}.\r\n", if on { "ON" } else { "OFF" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_order_follows_the_driver() {
        assert_eq!(dispatch("dir"), Some(("d", "ir")));
        assert_eq!(dispatch("ping"), Some(("p", "ing")));
        assert_eq!(dispatch("ipconfig"), None);
        assert_eq!(dispatch("id"), Some(("id", "")));
        assert_eq!(dispatch("ch -si 1"), Some(("ch", "-si 1")));
        assert_eq!(dispatch("chkdsk"), None);
        assert_eq!(dispatch("cmd"), Some(("cmd", "")));
        assert_eq!(dispatch("lock"), Some(("lock", "")));
        assert_eq!(dispatch("l 12"), Some(("l", "12")));
    }
}
