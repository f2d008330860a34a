// kmsim with the AWS SDK for JavaScript v3: create a key, encrypt, decrypt (us-east-1).
//   npm install @aws-sdk/client-kms
//   export AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4600 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
//   node js-sdk-v3.mjs
import { KMSClient, CreateKeyCommand, EncryptCommand, DecryptCommand } from "@aws-sdk/client-kms";

// No endpoint in code: the SDK reads AWS_ENDPOINT_URL_KMS, and kmsim's gateway serves the
// Region the request is signed for.
const kms = new KMSClient({ region: "us-east-1" });

const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: "js-sdk-v3 recipe" }));
const { CiphertextBlob } = await kms.send(new EncryptCommand({
  KeyId: KeyMetadata.KeyId,
  Plaintext: new TextEncoder().encode("hello from the AWS SDK for JavaScript v3"),
}));
const { KeyId, Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
console.log(`${KeyId}: ${new TextDecoder().decode(Plaintext)}`);
