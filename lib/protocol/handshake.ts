/** What `connect_error` carries: `err.message` is the code, `err.data` the details. */
export interface ConnectErrorData {
  code: string;
  message: string;
  [key: string]: unknown;
}

export interface HandshakeAuth {
  /** An API token; browsers authenticate with the session cookie instead. */
  token?: string;
  /** The protocol version the client speaks. */
  v?: number;
}
