"""Typed clients of the ETSI MEC APIs, one module per API, each on one shared HttpClient."""
