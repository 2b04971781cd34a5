"""The packs read by z3: static checks, the comparison of two versions, counterfactuals, what is still needed."""
