/* SDK: kits/@kit.AgentFrameworkKit.d.ts */
export { AgentController, BaseOptions, ButtonType, FunctionComponent, FunctionController, FunctionOptions
} from '@hms.ai.AgentFramework';
