//! End-to-end tests of rightnow live in `e2e/`: template.yaml built with
//! `sam build`, deployed with `sam deploy` onto a MiniStack the tests start,
//! and called through the local API Gateway URL.
