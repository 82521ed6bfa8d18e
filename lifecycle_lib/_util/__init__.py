"""Small helpers with no project imports: column kernels, notebook files, paths."""
