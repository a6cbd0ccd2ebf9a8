"""From a formula (or arrays) and data to a design: response, design matrices, offsets,
weights, the rows used, and what it takes to build the same columns for new data."""
