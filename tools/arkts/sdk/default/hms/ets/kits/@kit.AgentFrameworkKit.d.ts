/* SDK: kits/@kit.AgentFrameworkKit.d.ts */
export { AgentController, BaseOptions, ButtonType, FunctionComponent, FunctionComponentParams, FunctionController,
  FunctionOptions } from '@hms.ai.AgentFramework';
