"""The worker's signed QR credit certificate (信用证书), its verification and revocation."""
