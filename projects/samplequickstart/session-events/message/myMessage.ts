// seeds/002, Message example: logs messages sent with
//   system.util.sendMessage("samplequickstart", "myMessage", { message: "Hello World" }, "S")
export default function (session: Flint.Session, payload: { message: string }) {
  const logger = system.util.getLogger('SessionMessage');
  logger.info(`Session ${session.props.id} received message: ${payload.message}`);
}
