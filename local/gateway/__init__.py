"""The local HTTP API data plane: what API Gateway does between a request and a function.

`build_data_plane` reads a deployed API through the AWS APIs and returns the ASGI app
(`app.DataPlane`) with its authorizers (`authorizer/`) and function workers (`workers`);
`routes` selects routes, `payload` maps requests and responses (format 2.0).
"""
