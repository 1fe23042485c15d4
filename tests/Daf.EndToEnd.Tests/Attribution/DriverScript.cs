// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// The python3 program the matrix drives: `python3 -c Script GATEDIR STEP...`, one step a verb and its
/// arguments, run in order on one "current" descriptor:
/// <list type="bullet">
/// <item>`load PATH`: ctypes.CDLL(PATH) (maps the library executable).</item>
/// <item>`udp HOST PORT`: a UDP socket connected to HOST:PORT becomes current.</item>
/// <item>`send TAG`: one datagram (write(2) on the current descriptor).</item>
/// <item>`move N`: dup2 the current descriptor to N, close the original; N becomes current.</item>
/// <item>`fill N`: opens and keeps N unconnected UDP sockets (raising RLIMIT_NOFILE).</item>
/// <item>`gate NAME`: prints `at NAME`, waits for GATEDIR/NAME (bounded).</item>
/// <item>`grace`: waits past the daemon's grace delay (a time the spec defines, not a synchronisation).</item>
/// <item>`exec PATH STEPS` / `forkexec PATH STEPS` / `memfdexec PATH STEPS`: runs the sender program PATH
///   with the current descriptor inherited (`PATH FD GATEDIR STEPS...`, STEPS split on spaces), in place,
///   in a forked child, or from a memfd copy of PATH (fexecve).</item>
/// <item>`threads N HOST PORT TAG`: N threads each open their own connected socket and send TAG-k on it
///   and TAG-shared-k on the current descriptor.</item>
/// <item>`scm MODE HOST PORT`: forks; the parent opens a UDP socket, sends `from-origin`, passes it over
///   SCM_RIGHTS, closes its copy and exits; the child receives it, waits past the grace delay, sends
///   `from-receiver`. Each waits at a gate after its send (`origin-sent`, `receiver-sent`). MODE `child:PATH` makes the child load PATH first, `parent:PATH` the parent.</item>
/// </list>
/// Prints `done` at the end. Its PID goes to GATEDIR/pids (and so does the receiver's of `scm`).
/// </summary>
internal static class DriverScript
{
    /// <summary>Seconds waited past the daemon's default grace delay of 50 ms.</summary>
    public const double GraceWaitSeconds = 0.5;

    public static readonly string Source = """
        import array, ctypes, os, resource, socket, sys, threading, time
        gates, args = sys.argv[1], sys.argv[2:]
        GRACE = __GRACE__
        with open(os.path.join(gates, 'pids'), 'a') as f:
            f.write(f'{os.getpid()}\n')
        def out(text):
            print(text, flush=True)
        def family(host):
            return socket.AF_INET6 if ':' in host else socket.AF_INET
        def udp(host, port):
            s = socket.socket(family(host), socket.SOCK_DGRAM)
            s.connect((host, int(port)))
            return s
        def gate(name):
            out(f'at {name}')
            path = os.path.join(gates, name)
            end = time.monotonic() + 20
            while not os.path.exists(path):
                if time.monotonic() > end:
                    sys.exit(f'gate {name} never opened')
                time.sleep(0.002)
        def sender_argv(path, steps):
            os.set_inheritable(cur, True)
            return [path, str(cur), gates] + steps.split()
        cur, keep, i = None, [], 0
        def take():
            global i
            i += 1
            return args[i - 1]
        while i < len(args):
            verb = take()
            if verb == 'load':
                keep.append(ctypes.CDLL(take()))
            elif verb == 'udp':
                cur = udp(take(), take()).detach()
            elif verb == 'send':
                os.write(cur, take().encode())
            elif verb == 'move':
                n = int(take())
                os.dup2(cur, n, inheritable=False)
                os.close(cur)
                cur = n
            elif verb == 'fill':
                n = int(take())
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))
                keep.extend(socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n))
            elif verb == 'gate':
                gate(take())
            elif verb == 'grace':
                time.sleep(GRACE)
            elif verb == 'exec':
                path, steps = take(), take()
                os.execv(path, sender_argv(path, steps))
            elif verb == 'forkexec':
                path, steps = take(), take()
                argv = sender_argv(path, steps)
                if os.fork() == 0:
                    os.execv(path, argv)
            elif verb == 'memfdexec':
                path, steps = take(), take()
                argv = sender_argv(path, steps)
                m = os.memfd_create('daf-memfd-sender', 0)
                with open(path, 'rb') as src, open(m, 'wb', closefd=False) as dst:
                    dst.write(src.read())
                os.execve(m, argv, dict(os.environ))
            elif verb == 'threads':
                n, host, port, tag = int(take()), take(), take(), take()
                start = threading.Barrier(n)
                def run(k):
                    start.wait()
                    s = udp(host, port)
                    s.send(f'{tag}-{k}'.encode())
                    if cur is not None:
                        os.write(cur, f'{tag}-shared-{k}'.encode())
                    keep.append(s)  # open until the process ends: a close right after the send is another case
                workers = [threading.Thread(target=run, args=(k,)) for k in range(n)]
                for w in workers: w.start()
                for w in workers: w.join()
            elif verb == 'scm':
                mode, host, port = take(), take(), take()
                who, _, lib = mode.partition(':')
                parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                if os.fork() == 0:
                    with open(os.path.join(gates, 'pids'), 'a') as f:
                        f.write(f'{os.getpid()}\n')
                    parent_end.close()
                    if who == 'child':
                        keep.append(ctypes.CDLL(lib))
                    msg, fds, _, _ = socket.recv_fds(child_end, 16, 1)
                    child_end.recv(16)  # the parent closed its copy and is exiting
                    time.sleep(GRACE)
                    os.write(fds[0], b'from-receiver')
                    gate('receiver-sent')
                    os._exit(0)
                child_end.close()
                if who == 'parent':
                    keep.append(ctypes.CDLL(lib))
                s = udp(host, port)
                s.send(b'from-origin')
                gate('origin-sent')
                socket.send_fds(parent_end, [b'fd'], [s.fileno()])
                s.close()
                parent_end.close()
                out('handed over')
            else:
                sys.exit(f'unknown step {verb}')
        out('done')
        """.Replace("__GRACE__", GraceWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
