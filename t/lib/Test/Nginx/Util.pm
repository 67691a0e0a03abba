package Test::Nginx::Util;

# A small, self-written stand-in for the CPAN distribution Test::Nginx
# (openresty/test-nginx).  This file holds the settings exported to the
# test files and everything around the nginx process: the server root,
# nginx.conf, starting/stopping nginx, reading the logs, and the per-block
# driver (run_tests/run_test).  The HTTP client and the assertions live in
# Test::Nginx::Socket, which plugs itself in through $RunTestHelper and
# $CheckErrorLog.
#
# Only used when the CPAN module is not installed (see t/run).

use strict;
use warnings;

our $VERSION = '0.01';

use base 'Exporter';

use Carp qw(croak);
use File::Path qw(make_path remove_tree);
use File::Spec ();
use File::Temp qw(tempfile);
use IO::Socket::INET ();
use List::Util qw(shuffle);
use POSIX qw(SIGQUIT SIGKILL SIGTERM WNOHANG);
use Scalar::Util qw(looks_like_number);
use Test::LongString ();
use Test::More ();
use Time::HiRes qw(sleep time);

our @EXPORT = qw(
    env_to_nginx is_str no_long_string check_accum_error_log
    server_addr server_name server_port server_port_for_client
    server_root html_dir timeout no_shuffle no_nginx_manager use_hup
    repeat_each worker_connections workers master_on master_off
    master_process_enabled log_level no_root_location config_preamble
    add_block_preprocessor add_cleanup_handler bail_out run_tests run_test
    parse_time parse_headers trim show_all_chars sleep_time verbose
    error_log_data access_log_data is_running get_pid_from_pidfile
    $ServerAddr $ServerName $ServerPort $ServerPortForClient
    $NginxVersion $PidFile $ServRoot $ConfFile $ErrLogFile $AccLogFile
    $RunTestHelper $CheckErrorLog $RepeatEach $NoLongString
);

sub gen_rand_port (;$$);
sub bail_out (@);
sub cleanup ();

# ---------------------------------------------------------------------------
# Settings (same names, environment variables and defaults as upstream)
# ---------------------------------------------------------------------------

our $Verbose              = $ENV{TEST_NGINX_VERBOSE};
our $NginxBinary          = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $LoadModules          = $ENV{TEST_NGINX_LOAD_MODULES};
our $UseValgrind          = $ENV{TEST_NGINX_USE_VALGRIND};
our $UseHup               = $ENV{TEST_NGINX_USE_HUP};    # accepted, ignored
our $Randomize            = $ENV{TEST_NGINX_RANDOMIZE};
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $NoNginxManager       = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled        = 'on';
our $Workers              = 1;
our $WorkerConnections    = 64;
our $WorkerUser           = $ENV{TEST_NGINX_WORKER_USER};
our $TestNginxSleep       = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $ServerAddr           = '127.0.0.1';
our $ServerName           = 'localhost';
our $ServerPort           = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                            || 1984;
our $ServerPortForClient  = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $RepeatEach           = 1;
our $NoLongString;
our $NoRootLocation       = 0;
our $ConfigPreamble       = '';
our $NginxVersion;       # canonical form, e.g. 1.022001
our $NginxRawVersion;    # e.g. 1.22.1

# nginx runs in the foreground under valgrind so that we own the process.
$DaemonEnabled = 'off' if $UseValgrind;

if (defined $WorkerUser && $WorkerUser !~ /^\w+(?:\s+\w+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

our (@EnvToNginx, @BlockPreprocessors, @CleanupHandlers);

# Hooks filled in by Test::Nginx::Socket.
our $RunTestHelper;    # ($block, $dry_run, $repeated_req_idx)
our $CheckErrorLog;    # ($block, $res, $dry_run, $repeated_req_idx, $need_array)

# Runtime state.
our $ErrLogFilePos = 0;
our $PrevConfig;
our $NginxPid;         # pid of the running nginx (master or single process)
our $ChildPid;         # set when nginx is our own child (valgrind mode)
our $InSubprocess;

srand($$ ^ time());

if ($Randomize) {
    $ServerPort = gen_rand_port(1000);
    die "Cannot find an available listening port number.\n"
        unless defined $ServerPort;
    $ServerPortForClient = $ServerPort;
}

our $ServRoot = $Randomize
    ? File::Spec->rel2abs("t/servroot_$ServerPort")
    : ($ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot'));
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');

# ---------------------------------------------------------------------------
# Exported setters/getters
# ---------------------------------------------------------------------------

sub _getset {
    my ($ref, @args) = @_;
    $$ref = shift @args if @args;
    return $$ref;
}

sub server_addr (@)            { _getset(\$ServerAddr, @_) }
sub server_name (@)            { _getset(\$ServerName, @_) }
sub server_port (@)            { _getset(\$ServerPort, @_) }
sub server_port_for_client (@) { _getset(\$ServerPortForClient, @_) }
sub timeout (@)                { _getset(\$Timeout, @_) }
sub workers (@)                { _getset(\$Workers, @_) }
sub worker_connections (@)     { _getset(\$WorkerConnections, @_) }
sub log_level (@)              { _getset(\$LogLevel, @_) }
sub repeat_each (@)            { _getset(\$RepeatEach, @_) }
sub config_preamble ($)        { $ConfigPreamble = shift }
sub no_long_string ()          { $NoLongString = 1 }
sub no_shuffle ()              { $NoShuffle = 1 }
sub no_root_location ()        { $NoRootLocation = 1 }
sub no_nginx_manager ()        { $NoNginxManager = 1 }
sub check_accum_error_log ()   { $CheckAccumErrLog = 1 }
sub use_hup ()                 { $UseHup = 1 }
sub master_on ()               { $MasterProcessEnabled = 'on' }
sub master_off ()              { $MasterProcessEnabled = 'off' }
sub html_dir ()                { $HtmlDir }
sub server_root ()             { $ServRoot }
sub sleep_time ()              { $TestNginxSleep }
sub verbose ()                 { $Verbose }

sub master_process_enabled (@) {
    if (@_) {
        $MasterProcessEnabled = shift() ? 'on' : 'off';
        return;
    }
    return $MasterProcessEnabled;
}

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        croak "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)    { unshift @CleanupHandlers, shift }

# String comparison honouring no_long_string() and qr// expectations.
sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::like($got, $expected, $desc)
        if ref $expected && ref $expected eq 'Regexp';
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

# "3", "3s", "200ms" -> seconds
sub parse_time ($) {
    my $tm = shift;
    return $tm unless defined $tm;
    if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
        $tm /= 1000;
    } else {
        $tm =~ s/([^_a-zA-Z])s$/$1/;
    }
    return $tm;
}

# "Name: value" lines -> { Name => value }, "!Name" -> { Name => undef }
sub parse_headers ($) {
    my $s = shift;
    my %headers;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $headers{$line} = undef;
        } else {
            my ($key, $val) = split /\s*:\s*/, $line, 2;
            $headers{$key} = $val;
        }
    }
    return \%headers;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s =~ s/\s{2,}/ /g;
    return $s;
}

sub show_all_chars ($) {
    my $s = shift;
    $s =~ s/\n/\\n/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\t/\\t/g;
    return $s;
}

# A process counts as running unless it is gone or a zombie (the init of
# some containers never reaps the daemonized nginx).
sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid && kill 0, $pid;
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh> // '';
        return 0 if $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

sub gen_rand_port (;$$) {
    my ($tries, $used) = @_;
    $tries //= 1000;
    $used  //= {};
    for (1 .. $tries) {
        my $port = int(rand 63550) + 1985;
        next if $used->{$port};
        my $sock = IO::Socket::INET->new(
            LocalAddr => $ServerAddr,
            LocalPort => $port,
            Proto     => 'tcp',
        );
        if ($sock) {
            $sock->close;
            return $port;
        }
    }
    return undef;
}

# Substitute $TEST_NGINX_* variables from %ENV; $TEST_NGINX_RAND_PORT_N get
# a free port each (stable within one block).
sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_[0-9]+$/) {
            $val = $rand_ports->{$var} //= do {
                my %used = ($ServerPort => 1, map { $_ => 1 } values %$rand_ports);
                gen_rand_port(1000, \%used)
                    // bail_out("$name - Cannot find an available port for $var.\n");
            };
        } else {
            bail_out("$name - No environment $var defined.\n")
                unless defined $ENV{$var};
            $val = $ENV{$var};
        }
        $val;
    }ge;
    return $text;
}

sub get_canon_version (@) {
    return sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub get_nginx_version () {
    my $out = `$NginxBinary -V 2>&1`;
    if (!defined $out || $? != 0) {
        bail_out("Failed to run \"$NginxBinary -V\": " . ($out // ''));
    }
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}s
        || $out =~ m{\w+/(\d+)\.(\d+)\.(\d+)}s)
    {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }
    bail_out("Failed to parse the output of \"$NginxBinary -V\": $out");
}

sub get_pid_from_pidfile ($) {
    my $name = shift;
    open my $in, '<', $PidFile or return undef;
    my $pid = do { local $/; <$in> } // '';
    close $in;
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

# ---------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------

# New lines of error.log since the previous call within the current test
# block (or all of them with check_accum_error_log()).
sub error_log_data () {
    # give nginx a moment to log things done after the response was sent
    sleep $TestNginxSleep * 3;
    open my $in, '<', $ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos > 0;
    my @lines = <$in>;
    $ErrLogFilePos = tell $in unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or return [];
    my @lines = <$in>;
    close $in;
    return \@lines;
}

# ---------------------------------------------------------------------------
# Server root, user files, nginx.conf
# ---------------------------------------------------------------------------

sub setup_server_root () {
    if (-d $ServRoot) {
        # only remove what we create, never the whole (maybe mis-set) root
        remove_tree($ConfDir, $HtmlDir, $LogDir, glob("$ServRoot/*_temp"),
                    glob("$ServRoot/*_cache"));
    }
    for my $dir ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $dir;
        mkdir $dir or bail_out("Failed to do mkdir $dir: $!\n");
    }
    my $index = "$HtmlDir/index.html";
    open my $out, '>', $index or bail_out("Can't open $index for writing: $!\n");
    print $out '<html><head><title>It works!</title></head>'
             . '<body>It works!</body></html>';
    close $out;
}

# --- user_files: ">>> name [touch-date]\ncontent" blocks, or an eval'd
# arrayref of [name, content, date] triples.
sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name  = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$1, undef, $2];
            } elsif (@list) {
                $list[-1][1] .= $line;
            }
        }
        $files = \@list;
    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type for --- user_files: ", ref $files);
    }

    for my $file (@$files) {
        my ($fname, $body, $date) = @$file;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/} && !-d $1) {
            make_path($1) or bail_out("$name - Cannot create directory $1");
        }
        $body = expand_env_in_text($body // '', $name, $rand_ports);
        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!\n");
        binmode $out;
        print $out $body;
        close $out;
        if ($date) {
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - Failed to touch -t $date $path\n");
        }
    }
}

sub write_config_file ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    my $http_config      = expand_env_in_text($block->http_config, $name, $rand_ports) // '';
    my $main_config      = expand_env_in_text($block->main_config, $name, $rand_ports) // '';
    my $post_main_config = expand_env_in_text($block->post_main_config, $name, $rand_ports) // '';
    my $err_log_file     = $block->error_log_file || $ErrLogFile;
    my $server_name      = $block->server_name // $ServerName;
    $config //= '';

    my $modules = join '', map { "load_module $_;\n" }
                           grep { length } split /\s+/, ($LoadModules // '');
    my $env = join '', map { my $v = /\s/ ? "'$_'" : $_; "env $v;\n" }
                       @EnvToNginx;
    my $root_location = $NoRootLocation ? '' : <<"_EOC_";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    my $user = defined $WorkerUser ? "user $WorkerUser;\n"
             : $> == 0             ? "user root;\n"
             :                       '';

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!\n");
    print $out <<"_EOC_";
# generated by the Test::Nginx stand-in in t/lib for: $name
$modules
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env ASAN_OPTIONS;
$env
$main_config

http {
    access_log $AccLogFile;

    default_type text/plain;
    keepalive_timeout  68;

$http_config

    server {
        listen          $ServerAddr:$ServerPort;
        server_name     '$server_name';

        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main_config

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}

$user
_EOC_
    close $out;
}

# ---------------------------------------------------------------------------
# nginx process management
# ---------------------------------------------------------------------------

sub nginx_command () {
    # Like upstream, no "-e": where start-up (config parsing) errors go is
    # up to the nginx build.  Debian's (--error-log-path=stderr) prints them
    # on stderr only, so --- error_log cannot see them (e.g. in --- must_die
    # blocks); an nginx built with the default path logs them to
    # logs/error.log under the prefix, which is our error.log.
    return ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
}

# Leaks that nginx core itself reports at exit (memory that lives as long
# as the process: environment, connection/event arrays, the PCRE2 compile
# context).  Every frame up to the process cycle must be in nginx itself
# (or be these named functions), so a leak through a module does not match.
our $CoreSuppressions = <<'_EOS_';
{
   nginx-core-set-environment
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_set_environment
}
{
   nginx-core-event-process-init-symbols
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_event_process_init
}
{
   nginx-core-single-process-init-stripped
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   obj:*/nginx
   fun:ngx_single_process_cycle
}
{
   nginx-core-worker-process-init-stripped
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   obj:*/nginx
   obj:*/nginx
   obj:*/nginx
   fun:ngx_spawn_process
}
{
   nginx-core-pcre2-compile-context
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   ...
   fun:pcre2_compile_context_create_8
   fun:ngx_regex_compile
}
_EOS_

sub valgrind_command () {
    my @vg = ('valgrind', '-q', "--log-file=$LogDir/valgrind.%p.log");
    if ($UseValgrind =~ /^\d+$/) {
        my $core_supp = "$ServRoot/nginx-core.supp";
        open my $out, '>', $core_supp
            or bail_out("Can't open $core_supp for writing: $!\n");
        print $out $CoreSuppressions;
        close $out;
        push @vg, '--tool=memcheck', '--leak-check=full',
                  '--show-possibly-lost=no', '--num-callers=100',
                  '--gen-suppressions=all', "--suppressions=$core_supp";
        for my $supp ('t/valgrind.suppress', 'valgrind.suppress') {
            if (-f $supp) {
                push @vg, "--suppressions=$supp";
                last;
            }
        }
    } else {
        push @vg, split ' ', $UseValgrind;    # custom valgrind options
    }
    return @vg;
}

sub tail_error_log () {
    open my $in, '<', $ErrLogFile or return '';
    my @lines = <$in>;
    close $in;
    splice @lines, 0, @lines - 20 if @lines > 20;
    return join '', @lines;
}

sub shell_quote (@) {
    my @words;
    for my $word (@_) {
        if ($word =~ m{^[-\w/.:=@%+,]+$}) {
            push @words, $word;
        } else {
            (my $q = $word) =~ s/'/'\\''/g;
            push @words, "'$q'";
        }
    }
    return join ' ', @words;
}

# Starts nginx and waits until it can be talked to.  Returns true on
# success.  Bails out (aborting the whole run, like upstream) when it
# cannot be started.
sub start_nginx ($) {
    my $name = shift;
    my @cmd = nginx_command();

    if ($UseValgrind) {
        @cmd = (valgrind_command(), @cmd);
        warn "$name\n";
        my $pid = fork();
        bail_out("$name - fork() failed: $!") unless defined $pid;
        if ($pid == 0) {
            $InSubprocess = 1;
            setpgrp(0, 0);
            open STDOUT, '>', '/dev/null';
            exec @cmd or POSIX::_exit(127);
        }
        $ChildPid = $NginxPid = $pid;
        # valgrind is slow to start: wait for the listening socket
        my $deadline = time() + 60;
        while (time() < $deadline) {
            return 1 if port_is_listening($ServerPort);
            if (waitpid($pid, WNOHANG) == $pid) {
                undef $ChildPid;
                undef $NginxPid;
                Test::More::diag("tail of $ErrLogFile:\n" . tail_error_log());
                bail_out("$name - nginx under valgrind exited at start-up");
            }
            sleep 0.1;
        }
        bail_out("$name - nginx under valgrind did not listen on port "
                 . "$ServerPort within 60 seconds");
    }

    my $waited = 0;
    while (1) {
        # stderr is captured to spot a busy port, then shown as usual
        my ($errfh, $errfile) = tempfile('nginx-stderr-XXXXXX', TMPDIR => 1,
                                         UNLINK => 1);
        my $rc = system(shell_quote(@cmd) . ' > /dev/null 2> '
                        . shell_quote($errfile));
        my $stderr = do { local $/; <$errfh> } // '';
        close $errfh;
        unlink $errfile;
        print STDERR $stderr;
        last if $rc == 0;
        # a previous nginx may still hold the port; other failures are final
        my $log = $stderr . tail_error_log();
        if ($log =~ /Address already in use/ && $waited < 10) {
            sleep 0.5;
            $waited += 0.5;
            next;
        }
        my $tail = tail_error_log();
        Test::More::diag("tail of $ErrLogFile:\n$tail") if $tail ne '';
        bail_out("$name - Cannot start nginx using command \"@cmd\" "
                 . "(status code $rc)");
    }

    # the daemonized nginx writes its pid file right after forking
    for (1 .. 300) {
        last if defined($NginxPid = get_pid_from_pidfile($name));
        sleep 0.01;
    }
    warn "WARNING: $name - no pid file found after starting nginx\n"
        unless defined $NginxPid;
    sleep $TestNginxSleep;
    return 1;
}

# Is anything listening on TCP $port (IPv4)?  Reads /proc so that no probe
# connection shows up in nginx's error log.
sub port_is_listening ($) {
    my $port = shift;
    my $hex = sprintf '%04X', $port;
    for my $file ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $in, '<', $file or next;
        while (<$in>) {
            return 1 if /^\s*\d+:\s+[0-9A-F]+:$hex\s+[0-9A-F]+:[0-9A-F]+\s+0A\s/;
        }
    }
    return 0;
}

# Gracefully stops a process (SIGQUIT), escalating to SIGTERM/SIGKILL.
sub kill_process ($$$) {
    my ($pid, $wait, $name) = @_;
    return unless $pid && is_running($pid);
    my $is_child = defined $ChildPid && $pid == $ChildPid;

    kill SIGQUIT, $pid;
    my $limit = $wait ? timeout() : 0;
    $limit = 60 if $UseValgrind && $wait && $limit < 60;   # leak check is slow
    my $deadline = time() + $limit;
    while (time() < $deadline) {
        waitpid($pid, WNOHANG) if $is_child;
        return unless is_running($pid);
        sleep 0.02;
    }
    warn "$name - timeout when waiting for the process $pid to exit\n"
        if $wait;

    for my $sig (SIGTERM, SIGKILL) {
        kill $sig, ($is_child ? -$pid : $pid);
        for (1 .. 50) {
            waitpid($pid, WNOHANG) if $is_child;
            return unless is_running($pid);
            sleep 0.02;
        }
    }
    warn "WARNING: $name - failed to kill process $pid\n";
}

sub stop_nginx ($) {
    my $name = shift;
    my $pid = $NginxPid // get_pid_from_pidfile($name);
    if ($pid && is_running($pid)) {
        kill_process($pid, 1, $name);
    }
    if (defined $ChildPid) {
        waitpid($ChildPid, 0) if !is_running($ChildPid);
        undef $ChildPid;
    }
    undef $NginxPid;
    unlink $PidFile if -f $PidFile;
}

# Valgrind mode: after nginx exited, every non-empty valgrind log is a
# failure (with -q valgrind only writes errors and leaks).
sub check_valgrind_logs ($) {
    my $name = shift;
    my $report = '';
    for my $file (sort glob("$LogDir/valgrind.*.log")) {
        open my $in, '<', $file or next;
        my $text = do { local $/; <$in> };
        close $in;
        $report .= "--- $file\n$text" if defined $text && $text =~ /\S/;
        unlink $file;
    }
    if ($report ne '') {
        local $Test::Builder::Level = $Test::Builder::Level + 1;
        Test::More::fail("$name - valgrind reported errors");
        Test::More::diag($report);
    }
}

sub cleanup () {
    $_->() for @CleanupHandlers;
    stop_nginx('cleanup') if defined $NginxPid || defined $ChildPid
                             || -f $PidFile;
}

# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

sub run_tests () {
    $NginxVersion = get_nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    # make sure nginx goes away when the test file is interrupted
    my %signo = (HUP => 1, INT => 2, PIPE => 13, TERM => 15);
    for my $sig (keys %signo) {
        next if $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
        $SIG{$sig} = sub { cleanup(); exit 128 + $signo{$sig} };
    }

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', "$0 " . $block->name);
        run_test($block);
    }
    cleanup();
}

# "N: op x.y.z[: reason]" (skip_nginx) or "N: perl code" (skip_eval)
sub skip_spec ($$) {
    my ($block, $name) = @_;
    if (defined(my $spec = $block->skip_eval)) {
        $spec =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- skip_eval spec: $spec");
        my ($n, $code) = ($1, $2);
        my $skip = eval $code;
        bail_out("$name - skip_eval - failed to eval \"$code\": $@") if $@;
        return ($n, 'skip_eval') if $skip;
    }
    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        my ($n, $op, $reason) = ($1, $2, $6);
        my $ver = get_canon_version($3, $4, $5);
        $reason ||= "nginx version $op $3.$4.$5";
        return ($n, $reason) if eval "$NginxVersion $op $ver";
    }
    return;
}

# Upstream sections this stand-in does not implement: fail loudly rather
# than silently passing a block that relies on one of them.
our @UnsupportedSections = qw(
    http2 http3 curl curl_protocol curl_options curl_error
    stap stap_out stap_out_like stap_out_unlike
    tcp_listen tcp_reply tcp_query tcp_query_len tcp_reply_delay
    tcp_shutdown tcp_shutdown_delay tcp_no_close
    udp_listen udp_reply udp_query udp_reply_delay
    shutdown_error_log no_shutdown_error_log
    skip_nginx2 skip_openssl skip_slave todo_nginx reload_fails
);

sub run_test ($) {
    my $block = shift;
    return if defined $block->SKIP;

    my $name = $block->name;
    for my $section (@UnsupportedSections) {
        bail_out("$name - section \"--- $section\" is not supported by the "
                 . "Test::Nginx stand-in in t/lib") if defined $block->$section;
    }
    my $rand_ports = {};
    my $config = expand_env_in_text($block->config, $name, $rand_ports);
    # nginx is stopped after every block under valgrind, so a block without
    # --- config restarts it with the previous block's config
    $config //= $PrevConfig if $UseValgrind && !defined $block->must_die;

    local $LogLevel = $block->log_level || $LogLevel;
    local $UseValgrind = defined $block->must_die ? undef : $UseValgrind;
    local $DaemonEnabled = $UseValgrind ? 'off' : 'on';

    my ($tests_to_skip, $skip_reason) = skip_spec($block, $name);
    my ($todo_count, $todo_reason);
    if (defined(my $todo = $block->todo)) {
        $todo =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- todo spec: $todo");
        ($todo_count, $todo_reason) = ($1, $2);
    }

    if (defined $block->must_die) {
        return run_must_die_test($block, $config, $rand_ports);
    }

    # A block without --- config reuses the nginx of the previous block.
    my $restart = !$NoNginxManager && defined $config;
    if (!$NoNginxManager && !defined $config && !defined $PrevConfig) {
        bail_out("$name - No '--- config' section specified and could not "
                 . "get previous one.");
    }

    if ($restart && !defined $tests_to_skip) {
        $PrevConfig = $config;
        stop_nginx($name);
        setup_server_root();
        write_user_files($block, $rand_ports);
        write_config_file($block, $config, $rand_ports);
        start_nginx($name);
    }

    if (defined(my $init = $block->init)) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block, $rand_ports) if $i > 0;
        if (defined $tests_to_skip) {
            SKIP: { Test::More::skip("$name - $skip_reason", $tests_to_skip) }
        } elsif (defined $todo_count) {
            TODO: { Test::More::todo_skip("$name - $todo_reason", $todo_count) }
        } else {
            $RunTestHelper->($block, 0, $i);
        }
    }

    # Under valgrind nginx is stopped after each block so that its leak
    # report (written at exit) can be checked.
    if ($UseValgrind && $restart && !defined $tests_to_skip) {
        stop_nginx($name);
        check_valgrind_logs($name);
    }
}

# --- must_die: nginx must fail to start; error_log sections still apply.
sub run_must_die_test ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;
    my $must_die = $block->must_die;

    stop_nginx($name);
    setup_server_root();
    write_user_files($block, $rand_ports);
    write_config_file($block, $config, $rand_ports);
    undef $PrevConfig;

    my @cmd = nginx_command();
    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        system(shell_quote(@cmd) . ' > /dev/null');
        my $status = $?;
        if ($status == -1) {
            Test::More::fail("$name - failed to execute the nginx command line");
        } elsif ($status & 128) {
            Test::More::fail("$name - nginx core dumped");
        } elsif (looks_like_number($must_die)) {
            Test::More::is($must_die, $status >> 8,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        $CheckErrorLog->($block, undef, 0, $i, 0);
        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; killing it\n";
            sleep 0.1;
            stop_nginx($name);
        }
    }
}

END {
    return if $InSubprocess;
    local $?;    # keep Test::Builder's exit status
    cleanup();
    if ($Randomize && defined $ServRoot && $ServRoot =~ m{/t/servroot_\d+$}
        && -d $ServRoot)
    {
        remove_tree($ServRoot);
    }
}

1;
