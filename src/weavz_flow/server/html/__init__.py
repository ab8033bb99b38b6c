"""Server-rendered pages (hosted connect, the end-user portal, approvals): HTML with no script and no asset from
anywhere but this server."""
