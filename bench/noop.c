/* bench-noop: a no-op scanner for make bench (the cell Qn): says clean
   without reading anything. Static, like the programs it runs among. */

int main(void) { return 0; }
