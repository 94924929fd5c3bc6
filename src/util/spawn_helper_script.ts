/**
 * The spawn helper's program: a small Perl fork server (perl-base is part of every Debian system).
 * See src/util/spawn_helper.ts for why it exists and for the main side of the protocol.
 *
 * Protocol (all integers unsigned 32-bit big-endian):
 * - requests on its stdin, one frame each: u32 length, then NUL-separated fields
 *   `S, id, cwd, group (0|1), stdout (0|1), stderr (0|1), argv0, argv1, ...`
 *   (execve's arguments cannot hold a NUL, so NUL is a safe separator);
 * - events on its stdout, one frame each: u32 length, one type byte, u32 id, payload:
 *   `P` spawned (payload: pid), `E` could not start (payload: errno name, e.g. ENOENT),
 *   `1`/`2` a chunk of the child's stdout/stderr, `X` the child exited and its pipes are closed
 *   (payload: `code,signal`, one of them empty).
 * - On end of stdin (the service exited or closed it) it sends SIGTERM to every child it still
 *   has (to the group for grouped children) and exits. It ignores SIGTERM, SIGINT, SIGHUP and
 *   SIGQUIT (a Ctrl-C or `systemctl stop` reaches the whole group): the service stops its tools
 *   gracefully first, then closes the helper. Its children start with default signal handling.
 */
export const SPAWN_HELPER_SCRIPT = String.raw`
use strict; use warnings;
use POSIX ();
use IO::Select;
use Errno ();
$0 = 'camera-service spawn helper';
$SIG{PIPE} = 'IGNORE';
# Only the service ends it (by closing its stdin), after stopping its tools the graceful way.
$SIG{$_} = 'IGNORE' for qw(TERM INT HUP QUIT);
binmode STDIN; binmode STDOUT;
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
$SIG{CHLD} = sub { syswrite($wake_w, 'c') };
my $sel = IO::Select->new(\*STDIN, $wake_r);
my (%kid, %pipe, %status);  # pid -> {id, group, open}; fileno -> [pid, stream, fh]; pid -> "code,sig"
my $in = '';
sub put { my $b = shift; while (length $b) { my $n = syswrite(STDOUT, $b);
  if (!defined $n) { next if $!{EINTR}; shutdown_all() } substr($b, 0, $n) = '' } }
sub emit { my ($type, $id, $payload) = @_; $payload = '' unless defined $payload;
  put(pack('N', 5 + length $payload) . $type . pack('N', $id) . $payload) }
sub errname { my $n = shift; local $! = $n; for (keys %!) { return $_ if $!{$_} } "E$n" }
sub finish { my $pid = shift; my $k = $kid{$pid};
  return unless $k && exists $status{$pid} && !$k->{open};
  emit('X', $k->{id}, delete $status{$pid}); delete $kid{$pid} }
sub reap { while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
  next unless $kid{$pid}; my $s = $?; $status{$pid} = ($s & 127) ? ',' . ($s & 127) : ($s >> 8) . ',';
  finish($pid) } }
sub start {
  my ($id, $cwd, $group, $want_out, $want_err, @argv) = @_;
  my (@r, @w);
  for my $want ($want_out, $want_err) {
    my ($r, $w); if ($want) { pipe($r, $w) or return emit('E', $id, errname($! + 0)) }
    push @r, $r; push @w, $w }
  pipe(my $st_r, my $st_w) or return emit('E', $id, errname($! + 0));
  my $pid = fork();
  if (!defined $pid) { return emit('E', $id, errname($! + 0)) }
  if ($pid == 0) {
    $SIG{$_} = 'DEFAULT' for grep { $_ ne 'KILL' && $_ ne 'STOP' } keys %SIG;
    POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
    my $fail = sub { syswrite($st_w, pack('N', $! + 0)); POSIX::_exit(127) };
    POSIX::setpgid(0, 0) or $fail->() if $group;
    if (length $cwd) { chdir($cwd) or $fail->() }
    open(STDIN, '<', '/dev/null') or $fail->();
    for my $i (0, 1) { my $std = $i ? \*STDERR : \*STDOUT;
      ($w[$i] ? open($std, '>&', $w[$i]) : open($std, '>', '/dev/null')) or $fail->() }
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    $fail->();
  }
  close($st_w); close($_) for grep { $_ } @w;
  my $got = ''; 1 while !defined sysread($st_r, $got, 4) && $!{EINTR};
  close($st_r);
  if (length $got == 4) { waitpid($pid, 0); close($_) for grep { $_ } @r;
    return emit('E', $id, errname(unpack('N', $got))) }
  my $k = $kid{$pid} = { id => $id, group => $group, open => 0 };
  emit('P', $id, $pid);
  for my $i (0, 1) { my $r = $r[$i] or next;
    $pipe{fileno $r} = [$pid, $i + 1, $r]; $sel->add($r); $k->{open}++ }
  finish($pid);
}
sub shutdown_all { for my $pid (keys %kid) { kill('TERM', $kid{$pid}{group} ? -$pid : $pid) } exit 0 }
while (1) {
  reap();
  my @ready = $sel->can_read();
  for my $fh (@ready) {
    if ($fh == $wake_r) { sysread($wake_r, my $x, 64); next }
    if ($fh == \*STDIN) {
      my $n = sysread(STDIN, $in, 65536, length $in);
      next if !defined $n && $!{EINTR};
      shutdown_all() unless $n;
      while (length $in >= 4) {
        my $len = unpack('N', $in); last if length $in < 4 + $len;
        my @f = split(/\0/, substr($in, 4, $len), -1); substr($in, 0, 4 + $len) = '';
        start(@f[1 .. $#f]) if $f[0] eq 'S';
      }
      next;
    }
    my $p = $pipe{fileno $fh} or next;
    my $n = sysread($fh, my $buf, 65536);
    next if !defined $n && $!{EINTR};
    if ($n) { emit($p->[1], $kid{$p->[0]}{id}, $buf); next }
    $sel->remove($fh); delete $pipe{fileno $fh}; close($fh);
    $kid{$p->[0]}{open}--; finish($p->[0]);
  }
}
`;
