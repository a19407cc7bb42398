# Starting and stopping real clamd instances for the tests (sourced after
# lib.sh). Each gets its own directory, a Unix socket and a 127.0.0.1
# port; as root it runs as the clamav user, as Debian runs it.

CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
have_clamd() { [ -x "$CLAMD" ]; }
clamd_port=$(( 20000 + ($$ * 7) % 20000 ))

# clamd_start NAME DBDIR [clamd.conf lines...]: sets NAME_sock, NAME_tcp,
# NAME_pid. Fails if clamd does not answer within 60 s.
clamd_start() {
  name=$1 db=$2; shift 2
  clamd_names="$clamd_names $name"
  dir=$W/clamd-$name
  mkdir -p "$dir"
  tries=0
  while :; do
    clamd_port=$((clamd_port + 1))
    {
      echo "LocalSocket $dir/clamd.sock"
      echo "TCPSocket $clamd_port"
      echo "TCPAddr 127.0.0.1"
      echo "DatabaseDirectory $db"
      echo "Foreground yes"
      echo "TemporaryDirectory $dir"
      echo "LogFile $dir/clamd.log"
      for l in "$@"; do echo "$l"; done
    } > "$dir/clamd.conf"
    rm -f "$dir/clamd.sock"
    if need_root; then
      chown -R clamav "$dir"
      setpriv --reuid=clamav --regid=clamav --clear-groups "$CLAMD" -c "$dir/clamd.conf" > "$dir/out" 2>&1 &
    else
      "$CLAMD" -c "$dir/clamd.conf" > "$dir/out" 2>&1 &
    fi
    pid=$!
    i=0
    while [ $i -lt 600 ]; do
      if ! kill -0 $pid 2>/dev/null; then break; fi
      if [ -S "$dir/clamd.sock" ] && "$QT_HOME/bin/qscanq-clamd" -t 5 -s "$dir/clamd.sock" /dev/null >/dev/null 2>&1; then
        eval "${name}_sock=\$dir/clamd.sock ${name}_tcp=127.0.0.1:\$clamd_port ${name}_pid=\$pid"
        return 0
      fi
      sleep 0.1; i=$((i + 1))
    done
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    tries=$((tries + 1))
    if [ $tries -ge 3 ]; then
      echo "# clamd $name did not come up:"; sed 's/^/#   /' "$dir/out" | tail -n 5
      return 1
    fi
  done
}

clamd_stop() { # clamd_stop NAME [SIGNAL]
  eval "p=\${$1_pid:-}"
  [ -n "$p" ] || return 0
  kill -"${2:-TERM}" "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  eval "$1_pid="
}

clamd_stop_all() { for n in $clamd_names; do clamd_stop "$n" KILL; done; }
clamd_names=
trap 'clamd_stop_all' EXIT
