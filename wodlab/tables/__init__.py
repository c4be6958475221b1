"""One module per table (or family of rows): what its rows are and how they are written."""
