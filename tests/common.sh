# Test data made at run time; sourced by tests/run and tests/lib.sh.

# EICAR, built at run time from two halves (the whole string is not
# committed anywhere in this tree).
eicar() { printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'; }

# A signature database: EICAR by body (.ndb) and by hash (.hdb), and the
# clamav-testfiles sample by SHA-256 (.hsb), as sigtool computes them.
mkdb() {
  mkdir -p "$1"
  eicar > "$1/eicar.com"
  printf 'Qscanq.Test.EICAR:0:*:%s\n' "$(eicar | sigtool --hex-dump)" > "$1/qscanq-test.ndb"
  sigtool --md5 "$1/eicar.com" | sed 's/:[^:]*$/:Qscanq.Test.EICAR.Hash/' > "$1/qscanq-test.hdb"
  if [ -f /usr/share/clamav-testfiles/clam.exe ]; then
    sigtool --sha256 /usr/share/clamav-testfiles/clam.exe | sed 's/:[^:]*$/:Qscanq.Test.ClamExe/' > "$1/qscanq-test.hsb"
  fi
  rm -f "$1/eicar.com"
  chmod -R a+rX "$1"
}

# mail FILE [ATTACHMENT-FILE [NAME]]: a message, with a base64 attachment.
mail() {
  out=$1
  {
    printf 'From: sender@example.org\nTo: rcpt@example.net\nSubject: test\nMessage-ID: <%s@qscanq.test>\n' "$$.${tapn:-0}"
    if [ $# -ge 2 ]; then
      name=${3:-$(basename "$2")}
      printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="qscanq-b"\n\n'
      printf -- '--qscanq-b\nContent-Type: text/plain\n\nSee the attachment.\n'
      printf -- '--qscanq-b\nContent-Type: application/octet-stream; name="%s"\n' "$name"
      printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="%s"\n\n' "$name"
      base64 "$2"
      printf -- '--qscanq-b--\n'
    else
      printf '\nHello.\n'
    fi
  } > "$out"
}

# An envelope as qmail-smtpd writes it.
envelope() { printf 'Fsender@example.org\0Trcpt@example.net\0\0' > "$1"; }

