//! The texts SAC prints, byte for byte where sac-protocol.md quotes real Windows (tagged \[S\] there)
//! or the ReactOS message table (\[R\]). Every line ends in CRLF, as the message compiler makes it.

/// Application-type GUID of the SAC channel.
pub const SAC_APP_GUID: &str = "63d02270-8aa4-11d5-bccf-806d6172696f";
/// Application-type GUID of every Cmd channel.
pub const CMD_APP_GUID: &str = "63d02271-8aa4-11d5-bccf-00b0d014a2d0";

/// The prompt: no space, no newline.
pub const PROMPT: &str = "SAC>";
/// The prompt after a crash.
pub const CRASH_PROMPT: &str = "!SAC>";

/// Bytes SAC sends when it starts (§1.1): headless init, clear, init status, newline, prompt.
pub const BANNER: &str = "\x1b[2J\x1b[H\x1b[2J\r\n\r\nComputer is booting, SAC started and initialized.\r\n\r\nUse the \"ch -?\" command for information about using channels.\r\nUse the \"?\" command for general help.\r\n\r\n\r\nSAC>";

/// Event texts (§1.3). Three spaces after `EVENT:` and two after the full stop in channel events.
pub const EV_CMD_AVAILABLE: &str = "EVENT: The CMD command is now available.";
pub const EV_CHANNEL_CREATED: &str =
    "EVENT:   A new channel has been created.  Use \"ch -?\" for channel help.";
pub const EV_CHANNEL_CLOSED: &str = "EVENT:   A channel has been closed.";

/// Message 105.
pub const UNRECOGNIZED: &str =
    "Unrecognized command.  Try the 'help' command for more details.\r\n";
/// Message 6.
pub const BAD_PARAMETER: &str =
    "A parameter was incorrect or missing.  Try the 'help' command for more details.\r\n";

/// `?` / `help` (§3): the command field padded to 21 columns, real order and wording.
pub const HELP: &str = "\
ch                   Channel management commands.  Use ch -? for more help.\r
cmd                  Create a Command Prompt channel.\r
d                    Dump the current kernel log.\r
f                    Toggle detailed or abbreviated tlist info.\r
? or help            Display this list.\r
i                    List all IP network numbers and their IP addresses.\r
i <#> <ip> <subnet> <gateway> Set IPv4 addr., subnet and gateway.\r
id                   Display the computer identification information.\r
k <pid>              Kill the given process.\r
l <pid>              Lower the priority of a process to the lowest possible.\r
lock                 Lock access to Command Prompt channels.\r
m <pid> <MB-allow>   Limit the memory usage of a process to <MB-allow>.\r
p                    Toggle paging the display.\r
r <pid>              Raise the priority of a process by one.\r
s                    Display the current time and date (24 hour clock used).\r
s mm/dd/yyyy hh:mm   Set the current time and date (24 hour clock used).\r
t                    Tlist.\r
restart              Restart the system immediately.\r
shutdown             Shutdown the system immediately.\r
crashdump            Crash the system. You must have crash dump enabled.\r
";

/// `?` at `!SAC>` (§4.16). GUESS: the stored TechNet page lost the command names; these are the
/// inferred ones, laid out like the SAC help.
pub const CRASH_HELP: &str = "\
d                    Display all log entries, paging is on.\r
?                    Display this list.\r
id                   Display the computer identification information.\r
q                    Quit !SAC and resume normal out-of-band port operation.\r
restart              Restart the system immediately.\r
";

/// `ch -?` (message 136).
pub const CH_HELP: &str = "\
Channel management commands:\r
\r
ch                   List all channels.\r
\r
Status Legend: (AB)\r
A: Channel operational status\r
    'A' = Channel is active.\r
    'I' = Channel is inactive.\r
B: Channel Type\r
    'V' = VT-UTF8 emulation.\r
    'R' = Raw - no emulation.\r
\r
ch -si <#>           Switch to a channel by its number.\r
ch -sn <name>        Switch to a channel by its name.\r
ch -ci <#>           Close a channel by its number.\r
ch -cn <name>        Close a channel by its name.\r
\r
Press <esc><tab> to select a channel.\r
Press <esc><tab>0 to return to the SAC channel.\r
";

/// Header of the `ch` list (message 108 and the Yandex transcript).
pub const CH_LIST_HEAD: &str =
    "Channel List\r\n\r\n(Use \"ch -?\" for information on using channels)\r\n\r\n# Status  Channel Name\r\n";

pub const ERR_NO_CHANNEL_AT_INDEX: &str =
    "Error: There is no channel present at the specified index.\r\n";
pub const ERR_NO_CHANNEL_NAMED: &str = "Error: Could not find a channel with that name.\r\n";
pub const ERR_SAC_CANNOT_CLOSE: &str = "Error: The SAC channel cannot be closed.\r\n";

/// `cmd` succeeded (message 121).
pub const CMD_LAUNCHED: &str = "The Command Prompt session was successfully launched.\r\n";
/// Message 131.
pub const CMD_NOT_REGISTERED: &str = "\
Error: Unable to launch a Command Prompt.  The service responsible for launching\r
       Command Prompt channels has not yet registered.  This may be because the\r
       service is not yet started, is disabled by the administrator, is\r
       malfunctioning or is unresponsive.\r
";
/// Message 120.
pub const CMD_TIMEOUT: &str = "\
Timeout: Unable to launch a Command Prompt.  The service responsible for\r
         launching Command Prompt channels has timed out.  This may be\r
         because the service is malfunctioning or is unresponsive.\r
";
/// Message 128.
pub const CMD_FAILED: &str = "Error: The SAC Command Console session failed to be created.\r\n";
/// Message 148.
pub const CMD_DISABLED: &str = "Launching of Command Prompt channels is disabled.\r\n";
/// Message 154.
pub const MAX_CHANNELS: &str = "The maximum number of channels has been reached.\r\n";

/// Message 147.
pub const LOCKED: &str = "Locked access to all Command Prompt channels.\r\n";

/// Message 5. GUESS: shown when `shutdown` takes the machine down.
pub const SHUTTING_DOWN: &str =
    "The SAC will become unavailable soon.  The computer is shutting down.\r\n";

/// Login prompts of a Cmd channel (§5.4).
pub const LOGIN_HEAD: &str = "Please enter login credentials.\r\n";
pub const LOGIN_USER: &str = "Username: ";
pub const LOGIN_DOMAIN: &str = "Domain  : ";
pub const LOGIN_PASSWORD: &str = "Password: ";

/// `more`'s page prompt.
pub const MORE: &str = "-- More --";
/// GUESS: how `-- More --` is wiped when a key is pressed.
pub const MORE_ERASE: &str = "\r          \r";

/// Paging prompt of SAC's own long outputs (message 82).
pub const SAC_MORE: &str = "----Press <Enter> for more----";
