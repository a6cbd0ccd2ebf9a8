"""Presentation only: summaries and tables as text, HTML, LaTeX and Markdown, and plots.
It reads numbers that results hold; it computes no statistics."""
