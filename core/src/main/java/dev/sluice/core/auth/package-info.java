/** Request authentication shared by the server and its clients: AWS Signature Version 4. */
package dev.sluice.core.auth;
