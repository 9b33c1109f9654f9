"""The local CloudFront edge: every distribution made on moto, served over https.

A browser reaches distribution `d1a2b3.cloudfront.net` at
`https://d1a2b3.cloudfront.localhost:<edge port>/` (browsers resolve `*.localhost` to
loopback by themselves, no DNS needed). The edge reads the origin bucket only as that
distribution: the bucket policy's statement for it (Origin Access Control) grants it.
"""
