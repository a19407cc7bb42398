#!/bin/sh
# Unit tests of src/lib (tests/helpers/qq-unit.c).
. "$(dirname "$0")/lib.sh"
exec "$B/qq-unit"
