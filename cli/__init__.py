"""The `sbs` command line: a thin click layer over `policy` and `engine`."""
