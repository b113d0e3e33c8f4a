/**
 * The internet leg (SECMP0038 PP-1, SU-2): the `InternetLink` port, its
 * in-process and MQTT adapters, the embedded broker and the topic layout.
 */
export {
  type AccessPolicy,
  type Authorization,
  mayConnect,
  mayPublish,
  mayReceive,
  maySubscribe,
} from './acl.ts';
export {
  type BrokerTls,
  certificateNames,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from './broker.ts';
export {
  InProcessInternet,
  type InProcessInternetOptions,
  InProcessLink,
  settleVirtual,
} from './in-process.ts';
export {
  internetOptionsFromEnv,
  type OpenedInternet,
  type OpenInternetOptions,
  openInternet,
} from './internet.ts';
export {
  type HandlerRegistration,
  InboundDispatcher,
  type Internet,
  type InternetHandler,
  type InternetLink,
  InternetLinkError,
  type InternetLinkErrorCode,
  type InternetMessage,
  type LinkEvents,
  type LinkOptions,
  type PublishOptions,
  type Qos,
} from './link.ts';
export { connectMqttLink, MqttInternet, MqttInternetLink, type MqttLinkOptions } from './mqtt-link.ts';
export {
  ALL_PRESENCE_FILTER,
  ALL_STATUS_FILTER,
  type ClientRole,
  canonicalEui,
  decodePresence,
  encodePresence,
  inboxTopic,
  isCanonicalEui,
  isValidTopicFilter,
  isValidTopicName,
  type ParsedPpmidTopic,
  PPMID_CHANNELS,
  type PpmidChannel,
  type Presence,
  type PresenceState,
  parseClientId,
  parsePpmidTopic,
  ppmidClientId,
  ppmidTopic,
  presenceTopic,
  statusTopic,
  supplierClientId,
  TOPIC_ROOT,
  TopicError,
  topicMatches,
} from './topics.ts';
