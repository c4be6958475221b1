"""The store: the server, engines, migrations, named queries, COPY reads, the compile cache, the kept boards."""
