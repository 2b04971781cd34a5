"""Reading what comes in: deliveries (YAML, JSON, CSV, XLSX), overrides, agreements, and the cases made from them."""
